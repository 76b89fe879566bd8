// tfjs-backend-cpu prints advice to install tfjs-node on the first tensor of each cpu backend
// instance under Node; importing hamux-ts marks every instance as already used (src/tf.ts), so the
// advice never appears, while the PROD flag, which would hide every tfjs warning, stays as it was.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tf } from '../src/index.js';

describe('the cpu backend under Node', () => {
  const prod = tf.env().getBool('PROD');
  afterEach(() => void tf.env().set('PROD', prod));

  it('makes instances that print no tfjs-node advice on their first tensor', () => {
    tf.env().set('PROD', false); // the shared test setup sets it; a user's process does not
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const entry = tf.engine().registryFactory['cpu'];
    expect(entry?.priority).toBe(1); // registered again with tfjs-backend-cpu's own priority
    const backend = entry!.factory() as tf.KernelBackend;
    const id = backend.write(new Float32Array([1, 2]), [2], 'float32');
    backend.disposeData(id);
    backend.dispose();
    expect(warn).not.toHaveBeenCalled();
  });

  it('still lets tfjs warn about other things', () => {
    tf.env().set('PROD', false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    tf.backend_util.warn('a tfjs warning');
    expect(warn).toHaveBeenCalledWith('a tfjs warning');
  });
});
