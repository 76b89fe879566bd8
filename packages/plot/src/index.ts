export { linePlot, COLOURS, type Series, type LinePlotOptions } from './line-plot.js';
export { niceTicks, logTicks, formatTick } from './ticks.js';
