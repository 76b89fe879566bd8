import { tf } from '@hamux-ts/core';

/** tfjs-backend-webgpu's `MatMulProgramType.MatMulPackedProgram`: tiled, no workgroup-wide reduction. */
const MATMUL_PACKED = 3;

/**
 * On a software WebGPU adapter, makes tfjs use its tiled matrix product for every shape. For small
 * outputs (≤ 128 entries) tfjs picks a program that reduces across a workgroup with barriers,
 * which software rasterisers emulate slowly: measured in Chromium 156 on SwiftShader, a 10×8·8×8
 * product took 75–140 ms that way and 1.4–2 ms tiled, and a step of a small Energy Transformer
 * 800 ms against 30 ms. The same arithmetic, in tiles. A value the user has set (anything but
 * tfjs's default −1) is left alone; calling it again changes nothing.
 */
export function preferTiledMatMul(): void {
  if (tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') === -1) tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED);
}
