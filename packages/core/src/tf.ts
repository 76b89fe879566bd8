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

export { tf };
export type { Tensor, Scalar, Variable, Rank } from '@tensorflow/tfjs-core';
