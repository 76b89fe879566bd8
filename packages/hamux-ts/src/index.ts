/**
 * hamux-ts: energy-based associative memories as typed hypergraphs. One package that gathers the
 * public API of its parts, as `@tensorflow/tfjs` gathers tfjs's:
 *
 * - `@hamux-ts/core`: neuron layers, Lagrangians, hypersynapses, the `hypergraph()` builder, `HAM`, `tf`;
 * - `@hamux-ts/dynamics`: energy descent (`descend`, `descendSync`, `Relaxation`);
 * - `@hamux-ts/config`: JSON configs (`buildFromConfig`, `presets`), safetensors (`saveParams`, `loadParams`);
 * - `@hamux-ts/backends`: `useBackend('auto' | 'cpu' | 'wasm' | 'webgpu')`, under Node and in browsers,
 *   which returns the runtime that descents and trainers take (`{ runtime }`) to run the fast path;
 * - `@hamux-ts/train`: learning through the dynamics (`Trainer`, `unroll`, losses);
 * - `@hamux-ts/torch`: to and from PyTorch (`exportTorch`, `importTorch`).
 *
 * It also installs the `hamux` command (`npx hamux --help`). ESM only.
 *
 * @example
 * ```ts
 * import { hypergraph, lagrangians as L, synapses as Y, descendSync, useBackend } from 'hamux-ts';
 * const runtime = await useBackend('auto');
 * const ham = hypergraph()
 *   .layer('pixels', { shape: [4], lagrangian: L.identity() })
 *   .layer('memories', { shape: [3], lagrangian: L.softmax({ beta: 2 }), tau: 0.1 })
 *   .synapse('recall', Y.dense(), ['pixels', 'memories'])
 *   .build({ seed: 0 });
 * const { report } = descendSync(ham, ham.randomStates(2, 1), { runtime });
 * ```
 *
 * @module hamux-ts
 */
export * from '@hamux-ts/core';
export * from '@hamux-ts/dynamics';
export * from '@hamux-ts/config';
export * from '@hamux-ts/backends';
export * from '@hamux-ts/train';
export * from '@hamux-ts/torch';
