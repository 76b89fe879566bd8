// The single place where hamux-ts imports tfjs. Importing it registers tfjs's own cpu backend and
// tfjs's own gradients (tfjs-core's Node entry registers none; its browser entry registers them on
// import too), so `tf.grad` works wherever hamux-ts is loaded. It changes nothing of tfjs's beyond
// that: hamux-ts's replacements of a few gradients (second-order.ts) are installed explicitly.
//
// Order matters: tfjs-core must load first, so that the global engine (and the Tensor class it
// creates) comes from the full tfjs-core, not from the partial copy the gradient module pulls in.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

// tfjs-backend-cpu's backend prints, under Node and on its first tensor, advice to install tfjs-node
// ("Hi, looks like you are running TensorFlow.js in Node.js…"), which cannot be followed here (its
// install downloads libtensorflow) and would land in every user's output. In tfjs-backend-cpu 4.22.0
// that message is gated by the instance's `firstUse` flag and by nothing else (MathBackendCPU.write),
// so each cpu backend instance is marked as already used when it is made: the factory is registered
// again under the same name and priority. The global `PROD` flag would silence it as well, but also
// every other tfjs warning in the process. (In a browser the flag gates nothing.)
{
  const engine = tf.engine();
  const markUsed = <B>(backend: B): B => {
    const b = backend as { firstUse?: unknown };
    if (typeof b.firstUse === 'boolean') b.firstUse = false;
    return backend;
  };
  const made = engine.registry['cpu'];
  const cpu = engine.registryFactory['cpu'];
  if (made) markUsed(made); // a cpu backend made before hamux-ts was imported
  else if (cpu) {
    const { factory, priority } = cpu;
    tf.removeBackend('cpu');
    tf.registerBackend('cpu', () => markUsed(factory()), priority);
  }
}

export { tf };
export type { Tensor, Scalar, Variable, Rank } from '@tensorflow/tfjs-core';
