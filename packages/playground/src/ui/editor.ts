/**
 * The input editor: the current picture on a 28×28 canvas drawn 8× larger, with a pen (ink) and an
 * eraser (marks pixels unknown) driven by the mouse or a finger. Unknown pixels are tinted red.
 */
import { draw, erase, type InputImage } from '../lib/corrupt.js';
import { greyRgba } from '../lib/image.js';

export type Tool = 'pen' | 'eraser';

export class InputEditor {
  readonly canvas: HTMLCanvasElement;
  tool: Tool = 'pen';
  radius = 1.3;
  #image: InputImage;
  #drawing = false;
  readonly #onChange: (image: InputImage) => void;

  /** `onChange` is called once per stroke, when the pointer is released. */
  constructor(canvas: HTMLCanvasElement, image: InputImage, onChange: (image: InputImage) => void) {
    this.canvas = canvas;
    this.#image = image;
    this.#onChange = onChange;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.addEventListener('pointerdown', (e) => {
      this.#drawing = true;
      canvas.setPointerCapture(e.pointerId);
      this.#apply(e);
    });
    canvas.addEventListener('pointermove', (e) => { if (this.#drawing) this.#apply(e); });
    const end = () => {
      if (!this.#drawing) return;
      this.#drawing = false;
      this.#onChange(this.#image);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  get image(): InputImage {
    return this.#image;
  }

  set image(image: InputImage) {
    this.#image = image;
    this.render();
  }

  render(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(greyRgba(this.#image.pixels, 0, 1, this.#image.hidden), this.#image.width, this.#image.height), 0, 0);
  }

  #apply(e: PointerEvent): void {
    const box = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - box.left) / box.width) * this.#image.width;
    const y = ((e.clientY - box.top) / box.height) * this.#image.height;
    this.#image = this.tool === 'pen' ? draw(this.#image, x, y, this.radius) : erase(this.#image, x, y, this.radius * 1.6);
    this.render();
  }
}
