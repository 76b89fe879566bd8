/**
 * Plain SVG line plots (linear and log axes) for examples and reports.
 *
 * @module @hamux-ts/plot
 */
export { linePlot, COLOURS, type Series, type LinePlotOptions } from './line-plot.js';
export { niceTicks, logTicks, formatTick } from './ticks.js';
export { textWidth } from './text.js';
