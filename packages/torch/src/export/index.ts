// hamux-ts → PyTorch: a graph as one self-contained Python module (torch only) and its safetensors weights.
export { exportTorch, exportTorchHam, type ExportTorchOptions, type ExportedParam, type TorchDescendOptions, type TorchExport } from './export.js';
export { lagrangianForms, synapseForms, type LagrangianForm, type SynapseForm } from './forms.js';
