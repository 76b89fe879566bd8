// What every example takes on its command line: `--full` (full size), `--backend NAME`, `--out DIR`;
// and what the examples that train take: `--fixed-point implicit|equilibrium`, `--epochs N`,
// `--init DIR` (start from a model an earlier run saved, e.g. to fine-tune it at the fixed point)
// and `--standard` (MNIST's standard 60,000/10,000 split instead of the small set).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { useBackend, type BackendChoice, type BackendRuntime } from '@hamux-ts/backends';

export interface ExampleOptions {
  readonly full: boolean;
  readonly backend: BackendChoice;
  /** Where pictures go (created): `--out DIR`, default `out/` in the example's folder. */
  readonly outDir: string;
  /** `--fixed-point implicit|equilibrium`: train where the dynamics come to rest; absent, through unrolled steps. */
  readonly fixedPoint?: FixedPointMethod;
  /** `--epochs N`: train for N epochs instead of the example's own number. */
  readonly epochs?: number;
  /** `--init DIR`: start training from the model saved in DIR (`model.safetensors`) instead of initial weights. */
  readonly init?: string;
  /** `--standard`: draw training digits from MNIST's 60,000 and test digits from its 10,000 (`mnistDigits`, digits.ts). */
  readonly standard: boolean;
}

export type FixedPointMethod = 'implicit' | 'equilibrium';
const FIXED_POINT: readonly FixedPointMethod[] = ['implicit', 'equilibrium'];

const BACKENDS: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];

/** The options of the examples that learn; each example says which of them it takes. */
export type LearningFlag = '--fixed-point' | '--epochs' | '--standard' | '--init';
const LEARNING_FLAGS: readonly LearningFlag[] = ['--fixed-point', '--epochs', '--standard', '--init'];

/**
 * Reads an example's command line. `learns` lists the learning options the example takes; any
 * other one on the command line is refused, by name, rather than ignored.
 */
export function exampleOptions(
  exampleDir: URL,
  { learns = [], argv = process.argv.slice(2) }: { readonly learns?: readonly LearningFlag[]; readonly argv?: readonly string[] } = {},
): ExampleOptions {
  for (const flag of LEARNING_FLAGS) {
    if (argv.includes(flag) && !learns.includes(flag)) {
      throw new Error(`${flag}: this example does not take it${learns.length > 0 ? ` (it takes ${learns.join(', ')})` : ''}`);
    }
  }
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = (value('--backend') ?? 'auto') as BackendChoice;
  if (!BACKENDS.includes(backend)) throw new Error(`--backend: expected one of ${BACKENDS.join(', ')}, got ${backend}`);
  const fixedPoint = value('--fixed-point') as FixedPointMethod | undefined;
  if (argv.includes('--fixed-point') && !FIXED_POINT.includes(fixedPoint!)) {
    throw new Error(`--fixed-point: expected ${FIXED_POINT.join(' or ')}, got ${fixedPoint ?? 'nothing'}`);
  }
  const epochsText = value('--epochs');
  const epochs = epochsText === undefined ? undefined : Number(epochsText);
  if (argv.includes('--epochs') && !(Number.isInteger(epochs) && epochs! > 0)) throw new Error(`--epochs: expected a positive integer, got ${epochsText ?? 'nothing'}`);
  const init = value('--init');
  if (argv.includes('--init') && !init) throw new Error('--init: expected the folder of a saved model (model.json, model.safetensors)');
  const outDir = resolve(value('--out') ?? new URL('out/', exampleDir).pathname);
  mkdirSync(outDir, { recursive: true });
  return {
    full: argv.includes('--full'), standard: argv.includes('--standard'), backend, outDir,
    ...(fixedPoint ? { fixedPoint } : {}), ...(epochs ? { epochs } : {}), ...(init ? { init: resolve(init) } : {}),
  };
}

/**
 * Starts the backend, says which one runs (with the adapter when it is WebGPU), and returns its
 * runtime: pass it to every `descend` and `Trainer` (`{ runtime }`), which then take the fast path
 * (without it they run in tfjs ops).
 */
export async function startBackend(choice: BackendChoice): Promise<BackendRuntime> {
  const runtime = await useBackend(choice);
  const { adapter } = runtime.report;
  console.log(`backend: ${runtime.backend}${adapter ? ` (${adapter.description || adapter.vendor})` : ''}`);
  return runtime;
}
