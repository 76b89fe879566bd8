// Shared test setup: silence tfjs's advice to install tfjs-node (it cannot be installed here), and
// fail any test that writes to the console, so library code never chats behind a user's back.
import { afterEach, beforeEach, vi } from 'vitest';
import { tf } from '@hamux-ts/core';

tf.env().set('PROD', true);

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
beforeEach(() => {
  for (const m of methods) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      throw new Error(`unexpected console.${m} in a test: ${args.map(String).join(' ')}`);
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});
