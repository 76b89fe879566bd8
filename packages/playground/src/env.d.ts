/// <reference types="vite/client" />

/** True in the built page (`vite build`), false under `vite dev`: set by vite.config.ts. */
declare const __PLAYGROUND_BUILD__: boolean;
