import { z } from 'zod';
import { boolean, positiveInteger, positiveParam, strict } from '../schema/primitives.js';
import { assemble, commonShape, optionsOf, problem, type CommonOptions, type ParamInput, type PresetDefinition } from './preset.js';

type Layer = 'patches' | 'tokens';
type Synapse = 'embed' | 'position' | 'attention' | 'hopfield';

export interface EnergyTransformerOptions extends CommonOptions<Layer> {
  /** Image shape `[height, width, channels]`. */
  readonly image: readonly [number, number, number];
  /** Side p of the square patches; must divide the height and the width. */
  readonly patch: number;
  /** Token width D, default 64. */
  readonly dim?: number;
  /** Attention heads H, default 4. */
  readonly heads?: number;
  /** Width Y of each head's keys and queries, default `max(1, ⌊D / H⌋)`. */
  readonly headDim?: number;
  /** Memories K of the Hopfield part (ReLU², per token), default 4·D. */
  readonly memories?: number;
  /** β of the attention, default `1/sqrt(headDim)`. */
  readonly beta?: ParamInput;
  /** Leave each token out of its own attention, default false. */
  readonly maskSelf?: boolean;
}

const layers = ['patches', 'tokens'] as const;

/**
 * Initial weights, chosen by training the inpainting example (examples/et-inpainting, MNIST, D = 32
 * and 64), where the generic defaults stall at the mean patch:
 * - `embed` W small, std 0.1/√D: a free patch relaxes to `W token̂` with `‖token̂‖ ≈ √D`, so it starts
 *   near 0 rather than at ±1 (with Glorot's scale, training first shrinks γ until every token reads δ);
 * - `position` b nonzero, std 0.3: hidden tokens start at 0 and see no patch, and must not sit at the
 *   layer norm's singular point `x = 0`;
 * - `attention` Wᴷ, Wᵠ std 0.15 rather than 0.02, where the attention current, second order in two
 *   tiny weights, is negligible at first.
 */
const ATTENTION_STD = 0.15;
const normal = (std: number) => ({ type: 'normal' as const, std });

const etOptions = optionsOf<EnergyTransformerOptions>()(
  strict({
    image: z
      .tuple([positiveInteger, positiveInteger, positiveInteger], { error: () => 'expected [height, width, channels], three positive integers' })
    .readonly()
      .describe('Image shape [height, width, channels].'),
    patch: positiveInteger.describe('Side of the square patches; divides the height and the width.'),
    dim: positiveInteger.default(64).describe('Token width D, default 64.'),
    heads: positiveInteger.default(4).describe('Attention heads, default 4.'),
    headDim: positiveInteger.optional().describe('Width of each head, default max(1, floor(dim / heads)).'),
    memories: positiveInteger.optional().describe('Memories of the Hopfield part, default 4·dim.'),
    beta: positiveParam.optional().describe('β of the attention, default 1/sqrt(headDim).'),
    maskSelf: boolean.default(false).describe('Leave each token out of its own attention, default false.'),
    ...commonShape(layers),
  }, 'the options of energyTransformer').check((ctx) => {
    const { image: [h, w], patch } = ctx.value;
    if (h % patch !== 0 || w % patch !== 0) {
      problem(ctx, 'patch', patch, `patches of ${patch}×${patch} do not tile an image of ${h}×${w} (the patch side must divide both)`);
    } else if (ctx.value.maskSelf && (h / patch) * (w / patch) < 2) {
      problem(ctx, 'maskSelf', true, 'needs at least 2 patches');
    }
  }),
);

/**
 * An Energy Transformer block (Hoover et al. 2023) on images, with the patch embedding inside the
 * energy. Layers: `patches` [N, P] (identity; N = (H/p)·(W/p) patches of P = p·p·C pixels in the
 * order of `patchify` from @hamux-ts/data) and `tokens` [N, D] (layer norm, γ and δ learnable).
 * Synapses: `embed` (per-token dense, `E = −Σ_n patcĥ_nᵀ W token̂_n`, W [P, D] shared by the
 * tokens), `position` (bias [N, D]: a learned position embedding as a constant input to the tokens),
 * `attention` (energy attention) and `hopfield` (ReLU² memory per token, ξ [K, D]).
 *
 * The embedding is an energy, so it works both ways: the tokens receive `Wᵀ patch_n`, and a free
 * patch relaxes to `W token̂_n`, the unembedding. Inpainting: clamp the visible patches (a mask
 * `[N, P]` or `[B, N, P]` as `clamp.patches` of `descend`), let the masked ones and the tokens relax,
 * and read the masked patches.
 */
export const energyTransformerPreset = {
  name: 'energyTransformer',
  description: 'Energy Transformer on image patches: "patches" [N, P] -embed (per token)- "tokens" [N, D] (layer norm) with "position", "attention", "hopfield".',
  options: etOptions,
  layers,
  synapses: ['embed', 'position', 'attention', 'hopfield'],
  expand: (o) => {
    const [h, w, c] = o.image;
    const n = (h / o.patch) * (w / o.patch);
    const headDim = o.headDim ?? Math.max(1, Math.floor(o.dim / o.heads));
    return assemble(
      o,
      {
        patches: { shape: [n, o.patch * o.patch * c], lagrangian: { kind: 'identity' } },
        tokens: {
          shape: [n, o.dim],
          lagrangian: { kind: 'layernorm', gamma: { value: 1, learnable: true }, delta: { value: 0, learnable: true } },
        },
      },
      {
        embed: { kind: 'dense', connects: ['patches', 'tokens'], perToken: true, init: { W: normal(0.1 / Math.sqrt(o.dim)) } },
        position: { kind: 'bias', connects: ['tokens'], init: { b: normal(0.3) } },
        attention: {
          kind: 'energyAttention',
          connects: ['tokens'],
          heads: o.heads,
          headDim,
          maskSelf: o.maskSelf,
          ...(o.beta !== undefined ? { beta: o.beta } : {}),
          init: { Wk: normal(ATTENTION_STD), Wq: normal(ATTENTION_STD) },
        },
        hopfield: { kind: 'reluSquaredMemory', connects: ['tokens'], memories: o.memories ?? 4 * o.dim, perToken: true },
      },
      { mode: 'adaptive', maxSteps: 100 },
    );
  },
} as const satisfies PresetDefinition<'energyTransformer', EnergyTransformerOptions, z.output<typeof etOptions>, Layer, Synapse>;
