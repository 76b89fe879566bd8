// JSON text read strictly: syntax errors by line and column, duplicate keys refused at their key
// path, any depth refused past the limit without touching the call stack.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { MAX_JSON_DEPTH, buildFromConfig, parseJson } from '@hamux-ts/config';

const thrown = (f: () => unknown): HamuxError => thrownBy(f, HamuxError);

describe('parseJson', () => {
  it('gives what JSON.parse gives for valid text', () => {
    const texts = [
      '0', '-0', '1.5e-3', '-12E+2', 'true', 'false', 'null', '""', '"a\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"',
      '[]', '{}', ' \t\r\n[1, [2, [3, {}]], {"a": {"b": []}}] \n', '{"__proto__": 1, "constructor": {"x": 2}}',
      '{"a": 1, "A": 2, "a ": 3}', '[1e308, 1e-400, 123456789012345678901234567890]', '"ünï 😀"',
    ];
    for (const t of texts) expect(parseJson(t)).toEqual(JSON.parse(t));
    expect(Object.hasOwn(parseJson('{"__proto__": 1}') as object, '__proto__')).toBe(true);
  });

  it('refuses everything JSON.parse refuses, with line and column', () => {
    const cases: [string, string][] = [
      ['', 'line 1, column 1: expected a value, got the end of the text'],
      ['{"a": 1,}', 'line 1, column 9: expected a key in double quotes, got "}"'],
      ['[1, 2,]', 'line 1, column 7: expected a value, got "]"'],
      ['{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3: expected "," or "}" after a value, got "\\""'],
      ['{"a" 1}', 'line 1, column 6: expected ":" after the key, got "1"'],
      ["{'a': 1}", 'line 1, column 2: expected a key in double quotes, got "\'"'],
      ['[1] 2', 'line 1, column 5: expected the end of the text after the value, got "2"'],
      ['"abc', 'line 1, column 1: unterminated string, got the end of the text'],
      ['"a\tb"', 'line 1, column 3: control character in a string (write it as an escape such as \\n), got "\\t"'],
      ['"\\x"', 'line 1, column 2: invalid escape in a string, got "\\\\"'],
      ['"\\u12"', 'line 1, column 2: expected four hex digits after \\u, got "\\\\"'],
      ['01', 'line 1, column 2: invalid number, got "1"'],
      ['-', 'line 1, column 1: invalid number, got "-"'],
      ['1.', 'line 1, column 2: invalid number, got "."'],
      ['1e', 'line 1, column 2: invalid number, got "e"'],
      ['.5', 'line 1, column 1: expected a value, got "."'],
      ['[NaN]', 'line 1, column 2: expected a value, got "N"'],
      ['tru', 'line 1, column 1: expected a value, got "t"'],
      ['\r\n\r\n  ]', 'line 3, column 3: expected a value, got "]"'],
      ['"😀😀" x', 'line 1, column 6: expected the end of the text after the value, got "x"'],
      ['[1,\n 2,\n 3 4]', 'line 3, column 4: expected "," or "]" after a value, got "4"'],
    ];
    for (const [text, message] of cases) {
      expect(() => JSON.parse(text), text).toThrow();
      const e = thrown(() => parseJson(text));
      expect([e.code, e.path, e.message], text).toEqual(['invalid_file', [], `not valid JSON: ${message}`]);
    }
  });

  it('agrees with JSON.parse on random mutations of a config', () => {
    const base = JSON.stringify({ layers: { a: { shape: [3, 1.5e-2], lagrangian: { kind: 'x\\"y', beta: -2 } } }, ok: [true, false, null, {}] }, null, 1);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = '{}[]":,.-+eE0123456789 \\u\ntrfaln"x';
    for (let n = 0; n < 3000; n++) {
      const chars = [...base];
      for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
        const at = Math.floor(random() * chars.length);
        const op = random();
        const c = alphabet[Math.floor(random() * alphabet.length)]!;
        if (op < 0.33) chars.splice(at, 1);
        else if (op < 0.66) chars.splice(at, 0, c);
        else chars[at] = c;
      }
      const text = chars.join('');
      let expected: unknown;
      let valid = true;
      try { expected = JSON.parse(text); } catch { valid = false; }
      if (valid) {
        let got: unknown;
        try { got = parseJson(text); } catch (e) { if (!(e instanceof HamuxErrors)) throw e; continue; } // a duplicate key made by the mutation
        expect(got, text).toEqual(expected);
      } else {
        expect(thrown(() => parseJson(text)).message, text).toMatch(/^not valid JSON: line \d+, column \d+: /);
      }
    }
  });

  it('refuses duplicate keys at their key path, every one, with both places', () => {
    const text = '{\n  "layers": {\n    "h": { "shape": [3], "lagrangian": { "kind": "softmax", "beta": 1, "beta": 2 } },\n    "h": {}\n  },\n  "list": [{}, {"x": 1, "\\u0078": 2}]\n}';
    const e = thrown(() => parseJson(text));
    expect(e).toBeInstanceOf(HamuxErrors);
    expect((e as HamuxErrors).errors.map((x) => [x.code, x.path])).toEqual([
      ['invalid_file', ['layers', 'h', 'lagrangian', 'beta']],
      ['invalid_file', ['layers', 'h']],
      ['invalid_file', ['list', 1, 'x']],
    ]);
    expect((e as HamuxErrors).errors[0]!.message).toBe('layers.h.lagrangian.beta: duplicate key at line 3, column 72 (first at line 3, column 61); JSON would keep only the last');
    expect((e as HamuxErrors).errors[1]!.message).toBe('layers.h: duplicate key at line 4, column 5 (first at line 3, column 5); JSON would keep only the last');
  });

  it('reports at most 20 duplicates by place, and counts the rest', () => {
    const text = `{${Array.from({ length: 25 }, () => '"k": 1').join(',')}}`;
    const e = thrown(() => parseJson(text)) as HamuxErrors;
    expect(e.errors).toHaveLength(21);
    expect(e.errors[20]!.message).toBe('and 4 more duplicate keys');
  });

  it('refuses nesting past the limit before building anything, at any depth, without a stack overflow', () => {
    const deep = (n: number, open = '[', close = ']') => `${open.repeat(n)}1${close.repeat(n)}`;
    expect(parseJson(deep(MAX_JSON_DEPTH))).toBeDefined();
    const e = thrown(() => parseJson(deep(MAX_JSON_DEPTH + 1)));
    expect([e.code, e.message]).toEqual(['invalid_file', `line 1, column ${MAX_JSON_DEPTH + 1}: nested deeper than ${MAX_JSON_DEPTH} levels`]);
    for (const text of [deep(100_000), deep(100_000, '{"a":', '}'), `${'['.repeat(1_000_000)}`]) {
      expect(thrown(() => parseJson(text)).message).toMatch(/nested deeper than 256 levels$/);
    }
    expect(thrown(() => parseJson(deep(4), { maxDepth: 3 })).message).toBe('line 1, column 4: nested deeper than 3 levels');
    // A limit far past the call stack's depth still costs no recursion.
    expect(parseJson(deep(20_000), { maxDepth: 1e6 })).toBeDefined();
    expect(thrown(() => parseJson('1', { maxDepth: -1 })).path).toEqual(['options', 'maxDepth']);
  });
});

describe('deep values given to the config functions', () => {
  it('are refused at their place before zod sees them, in every position', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const good = () => ({
      layers: { a: { shape: [3], lagrangian: { kind: 'identity' } }, b: { shape: [2], lagrangian: { kind: 'tanh' } } },
      synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
      seed: 0,
    });
    const placements: [(c: ReturnType<typeof good> & Record<string, unknown>) => void, string][] = [
      [(c) => { (c.layers.b.lagrangian as Record<string, unknown>)['kind'] = deep; }, 'layers.b.lagrangian.kind'],
      [(c) => { (c.layers.a as Record<string, unknown>)['shape'] = deep; }, 'layers.a.shape'],
      [(c) => { c.synapses.s.connects = deep as string[]; }, 'synapses.s.connects'],
      [(c) => { c['scheduler'] = { dt: deep }; }, 'scheduler.dt'],
    ];
    for (const [place, path] of placements) {
      const c = good() as ReturnType<typeof good> & Record<string, unknown>;
      place(c);
      const e = thrown(() => buildFromConfig(c));
      expect(e.message, path).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}(\\[0\\])*: nested deeper than 256 levels`));
      expect(e.code).toBe('invalid_config');
    }
    const preset = thrown(() => buildFromConfig({ preset: deep, options: {} }));
    expect(preset.message).toMatch(/^preset(\[0\])*: nested deeper than 256 levels/);
    const cyclic: Record<string, unknown> = { ...good() };
    (cyclic['layers'] as Record<string, Record<string, unknown>>)['a']!['self'] = cyclic;
    expect(thrown(() => buildFromConfig(cyclic)).message).toMatch(/nested deeper than 256 levels/);
  });
});
