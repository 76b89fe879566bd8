/**
 * Errors a WebGPU device reports asynchronously. An invalid pipeline or bind group does not throw
 * in tfjs: the command buffer it sits in is dropped and every kernel in it reads back as zeros or
 * stale values. Recording the device's `uncapturederror` events turns that silence into something a
 * caller (and our parity tests) can check.
 */

interface DeviceLike {
  addEventListener(type: 'uncapturederror', listener: (event: { error?: { message?: string } }) => void): void;
  readonly lost?: Promise<{ message?: string; reason?: string }>;
}

/** Keeps at most this many messages: the first ones are the causes, the rest their consequences. */
const KEEP = 50;
const errors: string[] = [];
const watched = new WeakSet<object>();

function record(message: string): void {
  if (errors.length < KEEP) errors.push(message);
}

/** Starts recording a device's uncaptured errors and its loss (once per device). */
export function watchDevice(device: DeviceLike): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (event) => record(event.error?.message ?? 'unknown WebGPU error'));
  void device.lost?.then((info) => record(`the WebGPU device was lost (${info.reason ?? 'unknown'}): ${info.message ?? ''}`));
}

/**
 * The errors WebGPU reported since the last call (and forgets them). Each one means that some
 * kernel's results are wrong; an empty list after `await t.data()` means the GPU ran everything
 * it was given. Always empty on cpu and wasm.
 */
export function takeWebgpuErrors(): string[] {
  return errors.splice(0);
}
