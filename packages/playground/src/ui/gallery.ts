/**
 * Pictures to start from: the shipped MNIST digits class by class, and, for a memory, the patterns
 * it stores, 30 to a page. Every thumbnail is a button carrying `data-source` and `data-index`.
 */
import type { Digits } from '../lib/digits.js';
import { digit } from '../lib/digits.js';
import { greyRgba } from '../lib/image.js';
import { pattern } from '../lib/readout.js';
import { el } from './dom.js';

export type PictureSource = 'digits' | 'stored';

const PAGE = 30;

export class Gallery {
  readonly #select: HTMLSelectElement;
  readonly #grid: HTMLElement;
  readonly #digits: Digits;
  #stored: Float32Array | undefined;
  readonly #onPick: (source: PictureSource, index: number) => void;

  constructor(select: HTMLSelectElement, grid: HTMLElement, digits: Digits, onPick: (source: PictureSource, index: number) => void) {
    this.#select = select;
    this.#grid = grid;
    this.#digits = digits;
    this.#onPick = onPick;
    select.addEventListener('change', () => this.#render());
  }

  /** Lists the pages: the stored patterns first when the model has some. */
  setStored(stored: Float32Array | undefined): void {
    this.#stored = stored;
    const options: HTMLOptionElement[] = [];
    const k = stored ? stored.length / 784 : 0;
    for (let p = 0; p * PAGE < k; p++) options.push(el('option', { value: `stored:${p}`, text: `patterns it stores ${p * PAGE + 1}–${Math.min(k, (p + 1) * PAGE)}` }));
    for (let c = 0; c < 10; c++) options.push(el('option', { value: `digits:${c}`, text: `MNIST digits: ${c}s` }));
    this.#select.replaceChildren(...options);
    this.#render();
  }

  #render(): void {
    const [source, page] = this.#select.value.split(':') as [PictureSource, string];
    const n = Number(page);
    const items: { index: number; pixels: Float32Array; range: [number, number] }[] = [];
    if (source === 'stored' && this.#stored) {
      const k = this.#stored.length / 784;
      for (let i = n * PAGE; i < Math.min(k, (n + 1) * PAGE); i++) items.push({ index: i, pixels: pattern(this.#stored, i), range: [-1, 1] });
    } else {
      for (let i = 0; i < this.#digits.count; i++) if (this.#digits.labels[i] === n) items.push({ index: i, pixels: digit(this.#digits, i), range: [0, 1] });
    }
    this.#grid.replaceChildren(...items.map(({ index, pixels, range }) => {
      const canvas = el('canvas', { width: 28, height: 28 });
      canvas.getContext('2d')?.putImageData(new ImageData(greyRgba(pixels, range[0], range[1]), 28, 28), 0, 0);
      const button = el('button', { type: 'button', class: 'thumb', 'data-source': source, 'data-index': index, title: `${source === 'stored' ? 'stored pattern' : 'digit'} #${index}` }, canvas);
      button.addEventListener('click', () => this.#onPick(source, index));
      return button;
    }));
  }
}
