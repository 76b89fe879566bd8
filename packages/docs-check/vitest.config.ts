import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../configs/vitest.shared.js';

// TypeDoc and the README's blocks run in child processes, each in its own test: allow them time.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000 } }));
