/** The energy and loss curves, drawn with @hamux-ts/plot's `linePlot` (an SVG string). */
import { linePlot, type Series } from '@hamux-ts/plot';

/** One curve of the energy plot: the energy after each step, from `start` on. */
export interface Curve {
  readonly label: string;
  readonly start: number;
  readonly values: number[];
}

export function energySvg(curves: readonly Curve[]): string {
  const series: Series[] = curves
    .filter((c) => c.values.length > 0)
    .map((c) => ({ name: c.label, x: c.values.map((_, i) => c.start + i), y: c.values, markers: c.values.length <= 60 }));
  if (series.length === 0) series.push({ name: 'energy', x: [0], y: [0] });
  return linePlot(series, { title: 'Energy E(x) as the state descends', xLabel: 'step', yLabel: 'energy', width: 560, height: 300, legend: series.length > 1 });
}

export function lossSvg(losses: readonly number[], heldOut: readonly { step: number; loss: number }[]): string {
  const series: Series[] = [{ name: 'training loss (batch)', x: losses.map((_, i) => i + 1), y: losses, markers: false }];
  if (heldOut.length > 0) series.push({ name: 'held-out loss', x: heldOut.map((h) => h.step), y: heldOut.map((h) => h.loss), markers: true });
  return linePlot(series, { title: 'Cross-entropy while training in the page', xLabel: 'optimizer step', yLabel: 'loss', width: 560, height: 280, legend: true });
}
