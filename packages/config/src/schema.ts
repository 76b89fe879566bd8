// Declarative configs: zod schemas of a whole architecture, building it, recovering it, JSON Schema.
export { configSchema, type Config, type LayerConfig, type LagrangianConfig, type SynapseConfig } from './schema/config.js';
export type { BuiltinLagrangianConfig, BuiltinLagrangianKind } from './schema/lagrangians.js';
export { builtinLagrangianKinds } from './schema/lagrangians.js';
export type { BuiltinSynapseConfig, BuiltinSynapseKind } from './schema/synapses.js';
export { builtinSynapseKinds } from './schema/synapses.js';
export type { SchedulerConfig } from './schema/scheduler.js';
export {
  createRegistry,
  Registry,
  type AnyRegistry,
  type RegisteredKind,
  type CustomLagrangianConfig,
  type CustomSynapseConfig,
} from './schema/registry.js';
export { parseConfig } from './schema/validate.js';
export { buildFromConfig, type BuildFromConfigOptions, type NamedConfig } from './schema/build.js';
export { descendOptionsFromConfig } from './schema/descend-options.js';
export { configFromHam, type ConfigFromHamOptions, type ConfigOf } from './schema/from-ham.js';
export {
  defineConfig,
  type ConfigInput,
  type LayerInput,
  type LagrangianInput,
  type SynapseInput,
  type SchedulerInput,
} from './schema/define.js';
export { configJsonSchema, configJsonSchemaText } from './schema/json-schema.js';
export {
  DEFAULT_MAX_BYTES,
  checkMemory,
  estimateMemory,
  formatBytes,
  sizedGraph,
  type MemoryEstimate,
  type MemoryShare,
  type SizedGraph,
} from './schema/memory.js';
