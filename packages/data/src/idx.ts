import { HamuxError } from '@hamux-ts/core';

/**
 * The IDX format of the MNIST files (LeCun et al.): a 4-byte magic number, `0x00 0x00 type rank`
 * (type 0x08: unsigned bytes), then `rank` big-endian 32-bit sizes, then the values, row-major.
 */
export interface IdxArray {
  /** The sizes, outermost first: `[60000, 28, 28]` for the training images. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

/** Reads an IDX array of unsigned bytes, checking its header against its length; `file` names it in errors. */
export function readIdx(bytes: Uint8Array, file: string): IdxArray {
  const bad = (what: string) => new HamuxError([file], `not an IDX file of unsigned bytes: ${what}`, 'invalid_file');
  if (bytes.length < 4) throw bad(`${bytes.length} bytes, fewer than the 4 of its magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw bad(`its magic number starts ${bytes[0]} ${bytes[1]}, not 0 0`);
  if (bytes[2] !== 0x08) throw bad(`its value type is 0x${bytes[2]!.toString(16).padStart(2, '0')}, not 0x08 (unsigned byte)`);
  const rank = bytes[3]!;
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header) throw bad(`rank ${rank} with ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) {
    throw bad(`its header promises ${shape.join(' × ')} = ${count} values after ${header} header bytes, but it has ${bytes.length - header}`);
  }
  return { shape, data: bytes.subarray(header) };
}
