// Corrupts valid safetensors files thousands of ways (seeded) and checks that decoding either
// succeeds with consistent output or throws a HamuxError: never another exception, never slowly.
import { describe, expect, it } from 'vitest';
import { HamuxError } from '@hamux-ts/core';
import { decodeSafetensors, encodeSafetensors } from '@hamux-ts/config';
import { mulberry32 as prng } from '@hamux-ts/test-support';

function rawFile(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Splits a file into its parsed header and data (only used on the valid seeds). */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.slice(8 + n) };
}

const seeds: Uint8Array[] = [
  encodeSafetensors(
    {
      w: { dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i - 5.5) },
      b: { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) },
      s: { dtype: 'F32', shape: [], data: new Float32Array([0.5]) },
      z: { dtype: 'F32', shape: [0, 2], data: new Float32Array(0) },
    },
    { format: 'pt', who: 'fuzz' },
  ),
  rawFile(
    {
      h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
      g: { dtype: 'BF16', shape: [3], data_offsets: [8, 14] },
      d: { dtype: 'F64', shape: [1], data_offsets: [14, 22] },
    },
    Uint8Array.from({ length: 22 }, (_, i) => (i * 37) & 0xff),
  ),
  encodeSafetensors({ only: { dtype: 'F32', shape: [1, 1], data: new Float32Array([3]) } }),
];

/** Values a JSON edit may put in place of a shape, an offset, a dtype or a whole entry. */
const nasty: unknown[] = [
  -1, 0, 1, 2, 3, 4, 8, 1.5, 1e18, -1e18, 2 ** 53, 2 ** 64, 1e308, NaN, null, true, 'F32', 'F16', 'BF16', 'F64', 'I32',
  'U8', 'x', '', [], [0], [1e18], [1e18, 1e18], [0, 1e18], [2 ** 31, 2 ** 31], [-1, 4], [1.5], [4, 0], [0, 0], [0, 4, 8],
  {}, { dtype: 'F32' }, Array(50).fill(2),
];

const readable = ['F32', 'F16', 'BF16', 'F64'];
const sizes: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

function corrupt(file: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = file.slice();
  switch (int(7)) {
    case 0: // truncate
      return bytes.slice(0, int(bytes.length));
    case 1: { // flip a few bytes anywhere
      for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.length)] = int(256);
      return bytes;
    }
    case 2: { // change the header length: a little, to anything 32-bit, or to something enormous
      const view = new DataView(bytes.buffer);
      const n = view.getUint32(0, true);
      const r = rand();
      if (r < 0.4) view.setUint32(0, Math.max(0, n + int(17) - 8), true);
      else if (r < 0.7) view.setUint32(0, int(2 ** 32), true);
      else view.setUint32(4, 1 + int(2 ** 32 - 1), true);
      return bytes;
    }
    case 3: { // insert or delete bytes in the middle
      const at = int(bytes.length);
      const len = 1 + int(8);
      if (rand() < 0.5) return Uint8Array.from([...bytes.subarray(0, at), ...Array.from({ length: len }, () => int(256)), ...bytes.subarray(at)]);
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + len)]);
    }
    case 4: { // append junk after the data
      return Uint8Array.from([...bytes, ...Array.from({ length: 1 + int(8) }, () => int(256))]);
    }
    default: { // edit the JSON header: a field of an entry, a whole entry, or the metadata
      const { header, data } = split(file);
      const names = Object.keys(header);
      const name = pick([...names, 'new', '__metadata__']);
      const r = rand();
      const entry = header[name] as { dtype?: string; shape?: unknown; data_offsets?: unknown } | undefined;
      if (r < 0.3 && Array.isArray(entry?.data_offsets)) {
        // Plausible edits: move a range (same size) or resize it with a matching shape, making
        // overlaps, gaps and uncovered bytes whose sizes still agree with their shapes.
        const [begin, end] = entry.data_offsets as [number, number];
        const d = int(17) - 8;
        if (r < 0.15) entry.data_offsets = [begin + d, end + d];
        else {
          entry.data_offsets = [begin, end + d];
          entry.shape = [(end + d - begin) / (sizes[entry.dtype ?? ''] ?? 1)];
        }
      } else if (r < 0.45) delete header[name];
      else if (r < 0.6) header[name] = pick(nasty);
      else {
        const entry = { ...(typeof header[name] === 'object' && header[name] !== null ? header[name] : {}) } as Record<string, unknown>;
        const field = pick(['dtype', 'shape', 'data_offsets', 'extra']);
        const v = rand() < 0.5 || !Array.isArray(entry[field]) ? pick(nasty) : (entry[field] as unknown[]).map((x) => (rand() < 0.5 ? pick(nasty) : x));
        if (rand() < 0.1) delete entry[field];
        else entry[field] = v;
        header[name] = entry;
      }
      const text = JSON.stringify(header);
      return rawFile(rand() < 0.1 ? text.slice(0, int(text.length)) : text, data);
    }
  }
}


describe('decodeSafetensors under random corruption', () => {
  it('only ever succeeds consistently or throws a HamuxError', () => {
    for (const s of seeds) expect(() => decodeSafetensors(s)).not.toThrow();
    const rand = prng(20240611);
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < 5000; i++) {
      const seed = seeds[i % seeds.length]!;
      const bytes = corrupt(seed, rand);
      let result: ReturnType<typeof decodeSafetensors> | undefined;
      try {
        result = decodeSafetensors(bytes);
      } catch (e) {
        if (!(e instanceof HamuxError)) throw new Error(`case ${i}: ${String(e)} is not a HamuxError (file ${Buffer.from(bytes).toString('hex')})`);
        expect(e.where).toMatch(/^safetensors(\.|$)/);
        failed++;
      }
      if (!result) continue;
      ok++;
      // A success is self-consistent: sizes match shapes, and the tensors exactly fill the data.
      let bytesUsed = 0;
      for (const t of Object.values(result.tensors)) {
        expect(readable).toContain(t.dtype);
        expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
        expect(t.data).toBeInstanceOf(Float32Array);
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        bytesUsed += t.data.length * sizes[t.dtype]!;
      }
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect(8 + headerLength + bytesUsed).toBe(bytes.length);
      for (const v of Object.values(result.metadata)) expect(typeof v).toBe('string');
    }
    // Both outcomes occur, so the corruptions are neither all fatal nor all harmless.
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(2000);
  });
});
