export { useBackend, AUTO_ORDER } from './use-backend.js';
export type { BackendChoice, BackendAttempt, BackendReport } from './types.js';
