export { identity, repu, relu, exp, rexp, tanh, sigmoid, logCosh, softplus } from './elementwise.js';
export { softmax, ghostmax, layernorm, spherical } from './collective.js';
