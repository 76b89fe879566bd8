import { z } from 'zod';
import { configSchema } from './config.js';
import type { AnyRegistry } from './registry.js';

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The JSON Schema (draft 2020-12) of a config, generated from the zod schemas: what editors use to
 * complete and check `configs/*.json`. It describes what a user writes (defaults may be left out).
 * With a registry, its kinds are included; the committed `configs/hamux.schema.json` has the
 * built-in ones only.
 */
export function configJsonSchema(registry?: AnyRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema(registry), {
    io: 'input',
    override: ({ jsonSchema }) => {
      // z.int() states the safe-integer range on every integer; a reader has no use for it.
      if (jsonSchema.minimum === -SAFE) delete jsonSchema.minimum;
      if (jsonSchema.maximum === SAFE) delete jsonSchema.maximum;
    },
  });
  return { ...schema, title: 'hamux-ts architecture config' };
}

/** `configJsonSchema()` as the text of `configs/hamux.schema.json`. */
export function configJsonSchemaText(registry?: AnyRegistry): string {
  return `${JSON.stringify(configJsonSchema(registry), null, 2)}\n`;
}
