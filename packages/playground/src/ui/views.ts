/** Live pictures of the layers: one canvas (or bar chart) per layer, redrawn from each reading. */
import type { ModelSetup } from '../lib/models.js';
import { arrange, argmax, divergingRgba, greyRgba, layerView, viewGrid, type LayerView } from '../lib/image.js';
import { el } from './dom.js';

interface Panel {
  readonly layer: string;
  readonly view: LayerView;
  readonly canvas?: HTMLCanvasElement;
  readonly bars?: HTMLElement[];
  readonly figure: HTMLElement;
}

/** Pixels per cell: pictures about 170 px wide, never below 2 px a cell. */
const scaleFor = (width: number): number => Math.max(2, Math.min(8, Math.floor(170 / width)));

export class LayerViews {
  readonly #root: HTMLElement;
  #panels: Panel[] = [];
  #setup: ModelSetup | undefined;

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  /** Builds one panel per layer of the model. */
  show(setup: ModelSetup): void {
    this.#setup = setup;
    this.#root.replaceChildren();
    this.#panels = setup.ham.layerNames.map((layer) => {
      const shape = setup.ham.layers[layer]!.shape;
      const patch = setup.input?.layer === layer ? setup.input.patch : undefined;
      const view = layerView(shape, patch !== undefined ? { patch } : {});
      const caption = el('figcaption', { text: `${layer} x̂ [${shape.join(', ')}]` });
      const figure = el('figure', { class: `layer-view view-${view.kind}`, 'data-layer': layer });
      if (view.kind === 'bars') {
        const bars = Array.from({ length: view.count }, (_, i) => el('div', { class: 'bar', title: String(i) }, el('span', { class: 'fill' }), el('span', { class: 'tick', text: view.count <= 12 ? String(i) : '' })));
        figure.append(el('div', { class: 'bars' }, ...bars), caption);
        return { layer, view, bars, figure };
      }
      const grid = viewGrid(view);
      const scale = scaleFor(grid.width);
      const canvas = el('canvas', { width: grid.width, height: grid.height, style: `width:${grid.width * scale}px;height:${grid.height * scale}px` });
      figure.append(canvas, caption);
      return { layer, view, canvas, figure };
    });
    this.#root.append(...this.#panels.map((p) => p.figure));
  }

  /**
   * Draws sample 0 of every layer's activation. The input layer is drawn as it is: its unknown
   * pixels are tinted only on the corrupted input (the editor), not on the recalled picture.
   */
  draw(activations: Readonly<Record<string, Float32Array>>): void {
    const setup = this.#setup;
    if (!setup) return;
    for (const p of this.#panels) {
      const all = activations[p.layer];
      if (!all) continue;
      const size = setup.ham.layers[p.layer]!.shape.reduce((a, b) => a * b, 1);
      const values = all.subarray(0, size);
      if (p.bars) {
        const top = argmax(values);
        const scale = Math.max(1e-9, ...Array.from(values, Math.abs));
        p.bars.forEach((bar, i) => {
          const v = values[i]!;
          const fill = bar.firstElementChild as HTMLElement;
          fill.style.height = `${(100 * Math.abs(v)) / scale}%`;
          fill.classList.toggle('negative', v < 0);
          bar.classList.toggle('top', i === top);
          bar.title = `${i}: ${v.toPrecision(3)}`;
        });
        continue;
      }
      const arranged = arrange(values, p.view);
      const isInput = setup.input?.layer === p.layer;
      const rgba = isInput
        ? greyRgba(arranged, setup.input!.encoding === 'bipolar' ? -1 : 0, 1)
        : divergingRgba(arranged);
      const ctx = p.canvas!.getContext('2d');
      if (ctx) ctx.putImageData(new ImageData(rgba, p.canvas!.width, p.canvas!.height), 0, 0);
    }
  }
}
