/** A layer's shape, without the batch dimension: `[784]`, `[28, 28, 1]`, `[64, 128]`. */
export type Shape = readonly number[];

/** Number of entries of one sample of this shape. */
export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[28, 28, 1]` → `"[28, 28, 1]"`, the form used in every error message. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Whether two shapes are the same: as many axes, each of the same size. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function isValidShape(shape: unknown): shape is Shape {
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0);
}

/** Resolves a possibly negative axis against a layer shape (without batch); undefined if out of range. */
export function resolveAxis(axis: number, shape: Shape): number | undefined {
  const a = axis < 0 ? shape.length + axis : axis;
  return Number.isInteger(a) && a >= 0 && a < shape.length ? a : undefined;
}
