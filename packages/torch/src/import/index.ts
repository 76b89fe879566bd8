// Import of hamux-torch models: the mapping, the state dict's aliases, layout changes and `importTorch`.
export { importTorch, type ImportResult, type ImportedConfig, type ImportedLayer } from './import.js';
export { parseMapping, type TorchMapping, type NeuronMapping, type SynapseMapping, type Connection } from './mapping.js';
export { TORCH_LAGRANGIANS, torchLagrangianNames, type TorchLagrangian } from './lagrangians.js';
export { LAYOUT_STEPS, applyLayout, LayoutProblem, type LayoutStep, type PlainTensor } from './layout.js';
export { canonicalStateDict, type Canonical, type StateDict } from './state-dict.js';
