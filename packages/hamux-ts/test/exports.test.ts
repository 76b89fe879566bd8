// The umbrella re-exports the whole public API of its parts: every runtime export of core, dynamics,
// config, backends (its Node build here), train and torch is reachable from `hamux-ts`, as the same value.
// A name exported by two parts would be dropped silently by `export *`: this test catches that too.
import * as backends from '@hamux-ts/backends';
import * as config from '@hamux-ts/config';
import * as core from '@hamux-ts/core';
import * as dynamics from '@hamux-ts/dynamics';
import * as torch from '@hamux-ts/torch';
import * as train from '@hamux-ts/train';
import { describe, expect, it } from 'vitest';
import * as umbrella from '../src/index.js';

const parts = { core, dynamics, config, backends, train, torch } as const;

describe('hamux-ts re-exports its parts', () => {
  for (const [name, part] of Object.entries(parts)) {
    it(`every export of @hamux-ts/${name}`, () => {
      const names = Object.keys(part);
      expect(names.length).toBeGreaterThan(0);
      const missing = names.filter((k) => !Object.hasOwn(umbrella, k));
      expect(missing).toEqual([]);
      const different = names.filter((k) => (umbrella as Record<string, unknown>)[k] !== (part as Record<string, unknown>)[k]);
      expect(different).toEqual([]);
    });
  }

  it('nothing else', () => {
    const all = new Set(Object.values(parts).flatMap((p) => Object.keys(p)));
    expect(Object.keys(umbrella).filter((k) => !all.has(k))).toEqual([]);
  });

  it('the names a first program uses', () => {
    for (const k of ['hypergraph', 'lagrangians', 'synapses', 'tf', 'descendSync', 'buildFromConfig', 'presets', 'saveParams', 'loadParams', 'useBackend', 'Trainer', 'crossEntropy', 'exportTorch', 'importTorch'])
      expect(umbrella, k).toHaveProperty(k);
  });
});
