/** Small DOM helpers: the page needs no UI framework. */
import { HamuxError } from '@hamux-ts/core';

/** The element with this id; throws if the page lacks it (a broken page should say so at once). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new HamuxError([`#${id}`], 'the page has no element with this id', 'unknown_name');
  return found as T;
}

type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

/** Creates an element with attributes (`false`/`undefined` ones left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children);
  return node;
}

/**
 * A labelled range input on a log or linear scale, calling `onChange` with the value; the current
 * value is shown beside it. Returns the row and a setter.
 */
export function slider(options: {
  readonly id: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly value: number;
  readonly log?: boolean;
  readonly steps?: number;
  readonly format?: (v: number) => string;
  readonly onChange: (v: number) => void;
}): { row: HTMLElement; set: (v: number) => void } {
  const { min, max, log = false, steps = 200 } = options;
  const fmt = options.format ?? ((v: number) => String(Number(v.toPrecision(3))));
  const toPos = (v: number) => (log ? (Math.log(v / min) / Math.log(max / min)) * steps : ((v - min) / (max - min)) * steps);
  const fromPos = (p: number) => (log ? min * (max / min) ** (p / steps) : min + ((max - min) * p) / steps);
  const input = el('input', { type: 'range', id: options.id, min: 0, max: steps, step: 1, value: Math.round(toPos(options.value)) });
  const shown = el('output', { for: options.id, text: fmt(options.value) });
  input.dataset['value'] = String(options.value);
  input.addEventListener('input', () => {
    const v = Number(fromPos(Number(input.value)).toPrecision(4));
    shown.textContent = fmt(v);
    input.dataset['value'] = String(v);
    options.onChange(v);
  });
  const row = el('label', { class: 'slider' }, el('span', { text: options.label }), input, shown);
  return {
    row,
    set: (v: number) => {
      input.value = String(Math.round(toPos(v)));
      input.dataset['value'] = String(v);
      shown.textContent = fmt(v);
    },
  };
}

/** Resolves after the browser has had a chance to paint and handle input. */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** An error's message, with every problem of a `HamuxErrors` on its own line. */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'errors' in e && Array.isArray((e as { errors: unknown }).errors)) {
    return (e as { errors: unknown[] }).errors.map((x) => (x instanceof Error ? x.message : String(x))).join('\n');
  }
  return e instanceof Error ? e.message : String(e);
}
