/**
 * JSON text read the strict way: `JSON.parse` silently keeps the last of two equal keys, reports a
 * syntax error as a character position, and builds any depth it is given (which later recursive
 * code, zod's included, cannot walk). This reader scans the text first, without recursion, and
 * refuses all three with a message that says where; only then does `JSON.parse` build the value.
 */
import { HamuxError, HamuxErrors, type ErrorPath } from '@hamux-ts/core';

/** Deepest nesting accepted by default: configs need a handful of levels. */
export const MAX_JSON_DEPTH = 256;

/** Options of `parseJson`. */
export interface ParseJsonOptions {
  /** Deepest nesting of objects and arrays accepted (default `MAX_JSON_DEPTH`). */
  readonly maxDepth?: number;
}

/**
 * Parses JSON text, refusing (each a `HamuxError` of code `invalid_file`):
 * - a syntax error: `not valid JSON: line 3, column 14: expected "," or "}" after a value, got "]"`;
 * - nesting deeper than `maxDepth`: `line 1, column 257: nested deeper than 256 levels`;
 * - a key given twice in one object, at its key path, every one at once:
 *   `layers.hidden.lagrangian.beta: duplicate key at line 7, column 9 (first at line 6, column 9)`.
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  if (!(Number.isSafeInteger(maxDepth) && maxDepth >= 0)) {
    throw new HamuxError(['options', 'maxDepth'], `expected an integer >= 0, got ${String(maxDepth)}`, 'invalid_argument');
  }
  const duplicates = new Scanner(text, maxDepth).scan();
  if (duplicates.length > 0) throw new HamuxErrors(duplicates);
  return JSON.parse(text);
}

/** An open object (its keys so far, with where each was) or array (its last index). */
interface Frame {
  readonly keys: Map<string, number> | undefined;
  /** The key or index of this container in its parent. */
  readonly at: string | number | undefined;
  index: number;
  /** Opened, nothing read inside yet. */
  fresh: boolean;
}

/** Duplicate keys reported at most (each names its line and column). */
const MAX_REPORTED = 20;

/** A scanner without recursion: open containers are an explicit stack, so any depth costs no call stack. */
class Scanner {
  #i = 0;
  readonly #stack: Frame[] = [];
  readonly #duplicates: HamuxError[] = [];
  #moreDuplicates = 0;

  constructor(readonly text: string, readonly maxDepth: number) {}

  scan(): HamuxError[] {
    this.#value(undefined);
    while (this.#stack.length > 0) this.#step();
    this.#space();
    if (this.#i < this.text.length) this.#fail('expected the end of the text after the value');
    if (this.#moreDuplicates > 0) {
      this.#duplicates.push(new HamuxError([], `and ${this.#moreDuplicates} more duplicate key${this.#moreDuplicates > 1 ? 's' : ''}`, 'invalid_file'));
    }
    return this.#duplicates;
  }

  /** A whole scalar, or the opening of a container (pushed; its entries are read by `#step`). */
  #value(at: string | number | undefined): void {
    this.#space();
    const c = this.text[this.#i];
    if (c === '{' || c === '[') {
      if (this.#stack.length >= this.maxDepth) this.#fail(`nested deeper than ${this.maxDepth} levels`, false);
      this.#i++;
      this.#stack.push({ keys: c === '{' ? new Map() : undefined, at, index: 0, fresh: true });
      return;
    }
    if (c === '"') return void this.#string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.#i)) { this.#i += word.length; return; }
    }
    this.#fail('expected a value');
  }

  /** In the innermost container: its first entry or its end, or after an entry a comma and the next, or its end. */
  #step(): void {
    const frame = this.#stack.at(-1)!;
    const close = frame.keys ? '}' : ']';
    this.#space();
    const c = this.text[this.#i];
    if (c === close) {
      this.#i++;
      this.#stack.pop();
      return;
    }
    if (frame.fresh) frame.fresh = false;
    else if (c === ',') this.#i++;
    else this.#fail(`expected "," or "${close}" after a value`);
    if (frame.keys) this.#member(frame.keys);
    else this.#value(frame.index++);
  }

  /** `"key": ` and the start of its value. */
  #member(keys: Map<string, number>): void {
    this.#space();
    if (this.text[this.#i] !== '"') this.#fail('expected a key in double quotes');
    const start = this.#i;
    const key = this.#string();
    const first = keys.get(key);
    if (first === undefined) keys.set(key, start);
    else if (this.#duplicates.length >= MAX_REPORTED) this.#moreDuplicates++;
    else {
      this.#duplicates.push(new HamuxError([...this.#path(), key], `duplicate key at ${this.#where(start)} (first at ${this.#where(first)}); JSON would keep only the last`, 'invalid_file'));
    }
    this.#space();
    if (this.text[this.#i] !== ':') this.#fail('expected ":" after the key');
    this.#i++;
    this.#value(key);
  }
  /** A string token; returns its value. */
  #string(): string {
    const start = this.#i++;
    let escaped = false;
    for (;;) {
      const code = this.text.charCodeAt(this.#i);
      if (Number.isNaN(code)) this.#fail('unterminated string', true, start);
      if (code === 0x22) break; // "
      if (code < 0x20) this.#fail('control character in a string (write it as an escape such as \\n)');
      if (code === 0x5c) { // backslash
        escaped = true;
        const e = this.text[this.#i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.#i + 2, this.#i + 6))) this.#fail('expected four hex digits after \\u');
          this.#i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.#fail('invalid escape in a string');
        this.#i += 2;
        continue;
      }
      this.#i++;
    }
    this.#i++;
    const raw = this.text.slice(start + 1, this.#i - 1);
    return escaped ? (JSON.parse(this.text.slice(start, this.#i)) as string) : raw;
  }

  #number(): void {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.#i;
    const found = m.exec(this.text);
    if (!found || found[0] === '-') this.#fail('invalid number');
    this.#i += found![0].length;
    const next = this.text[this.#i];
    if (next !== undefined && /[0-9A-Za-z_.+-]/.test(next)) this.#fail('invalid number');
  }

  #space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.#i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.#i++;
      else return;
    }
  }

  /** The keys and indices down to the innermost container. */
  #path(): ErrorPath {
    return this.#stack.slice(1).map((f) => f.at!);
  }

  /** `line 3, column 14` of a position (lines end at \n, \r\n or \r; columns count characters from 1). */
  #where(position: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < position; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && this.text.charCodeAt(i + 1) !== 0x0a)) { line++; lineStart = i + 1; }
    }
    let column = 1;
    for (let i = lineStart; i < position; i++) {
      const c = this.text.charCodeAt(i);
      if (!(c >= 0xdc00 && c <= 0xdfff && i > lineStart)) column++; // the second half of a surrogate pair is no new character
    }
    return `line ${line}, column ${column}`;
  }

  /** A syntax error at the current position (`syntax` false: valid JSON refused for its depth). */
  #fail(what: string, syntax = true, at = this.#i): never {
    const c = this.text.codePointAt(this.#i);
    const got = !syntax ? '' : c === undefined ? ', got the end of the text' : `, got ${JSON.stringify(String.fromCodePoint(c))}`;
    throw new HamuxError([], `${syntax ? 'not valid JSON: ' : ''}${this.#where(at)}: ${what}${got}`, 'invalid_file');
  }
}
