// The single place where hamux-ts imports tfjs. Importing it registers the cpu backend and every
// gradient (tfjs-core's Node entry registers none), so `tf.grad` works wherever hamux-ts is loaded,
// and replaces the few gradients that break under second differentiation (see second-order.ts).
//
// Order matters: tfjs-core must load first, so that the global engine (and the Tensor class it
// creates) comes from the full tfjs-core, not from the partial copy the gradient module pulls in.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerSecondOrderGradients } from './second-order.js';

registerSecondOrderGradients();

export { tf };
export type { Tensor, Scalar, Variable, Rank } from '@tensorflow/tfjs-core';
