import { HamuxError, tf } from '@hamux-ts/core';

/**
 * Makes the cpu backend current. Under Node the cpu backend prints, on its first tensor, advice to
 * install tfjs-node, which cannot be followed here (its install downloads libtensorflow). We silence
 * exactly that message by marking this backend instance as already used (`firstUse = false`, the
 * only thing that flag gates in tfjs-backend-cpu 4.22.0), rather than setting the global `PROD`
 * flag, which would also hide every other tfjs warning for the whole process. (In a browser the
 * flag gates nothing.)
 */
export async function startCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new HamuxError(['backend'], 'tf.setBackend("cpu") failed', 'unsupported');
  const instance = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (instance && typeof instance.firstUse === 'boolean') instance.firstUse = false;
}
