export { descend, descendSync } from './descend.js';
export type { DescendOptions, Clamp, Progress, Tolerance } from './options.js';
export type { DescendResult, SampleReport, StopReason } from './engine.js';
export { DivergenceError } from './errors.js';
export { rateLevels, levelSchedule } from './levels.js';
