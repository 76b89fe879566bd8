import { tf, type Tensor } from './tf.js';
import { HamuxError, didYouMean, parsePath, type ErrorPath, type HamuxErrorCode } from './errors.js';
import { normalValues, uniformValues } from './random.js';
import { formatShape, sameShape, sizeOf, type Shape } from './shape.js';

/** How a parameter is initialised: plain data, so configs can carry it and every backend agrees. */
export type Init =
  | {
      /** Every entry the same value. */
      readonly type: 'constant';
      /** That value. */
      readonly value: number;
    }
  | {
      /** Entries drawn from a normal distribution. */
      readonly type: 'normal';
      /** Its standard deviation. */
      readonly std: number;
      /** Its mean (default 0). */
      readonly mean?: number;
    }
  | {
      /** Entries drawn uniformly from `[low, high)`. */
      readonly type: 'uniform';
      /** Lower bound. */
      readonly low: number;
      /** Upper bound (excluded). */
      readonly high: number;
    }
  | {
      /** Given values, row-major. */
      readonly type: 'values';
      /** One number per entry. */
      readonly values: readonly number[];
    };

/** What a Lagrangian or hypersynapse declares for each of its parameters. */
export interface ParamSpec {
  /** Shape of the parameter. */
  readonly shape: Shape;
  /** How it is initialised from the seed. */
  readonly init: Init;
  /** Trained by `train()`; fixed parameters are held constant. */
  readonly learnable: boolean;
}

/** The parameter specs of one layer or synapse, by parameter name (`W`, `b`, `beta`, …). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;
/** Tensors by name: the parameters of one layer or synapse. */
export type TensorMap = Readonly<Record<string, Tensor>>;

/**
 * The parameters of a whole graph: `params.layers.hidden.beta`, `params.synapses.enc.W`. Typed by
 * the graph's layer names `L` and synapse names `S` (`ham.params.synapses.encod` is a compile error
 * on a graph whose synapse is `enc`); `Params` alone, with names from data, takes any names.
 */
export interface Params<L extends string = string, S extends string = string> {
  /** Each layer's parameters (β, γ, δ), by name. */
  readonly layers: { readonly [K in L]: TensorMap };
  /** Each synapse's parameters (W, b, ξ …), by name. */
  readonly synapses: { readonly [K in S]: TensorMap };
}

/**
 * The path of one parameter, `synapses.enc.W` or `layers.hidden.beta`, for a graph with layer names
 * `L` and synapse names `S`: a misspelt owner (`synapses.encod.W`) is a compile error. The parameter's
 * own name is any string (checked at run time). With names from data (`string`), any string.
 */
export type ParamPath<L extends string = string, S extends string = string> = string extends L | S
  ? string
  : `layers.${L}.${string}` | `synapses.${S}.${string}`;

/** `'synapses.enc.W'` → `['synapses', 'enc', 'W']`: group, owner (which may contain dots) and parameter name. */
export function splitParamPath(path: string): ['layers' | 'synapses', string, string] {
  const group = path.startsWith('layers.') ? 'layers' : 'synapses';
  const rest = path.slice(group.length + 1);
  const dot = rest.lastIndexOf('.');
  return [group, rest.slice(0, dot), rest.slice(dot + 1)];
}

/** A Lagrangian parameter given by the user: a value (fixed), or `learnable(value)`. */
export type ParamOption = number | readonly number[] | LearnableValue;
/** A Lagrangian parameter value marked as trained or fixed; made by `learnable(value)`. */
export interface LearnableValue {
  /** The parameter's value: a scalar, or one number per entry. */
  readonly value: number | readonly number[];
  /** Whether training updates it. */
  readonly learnable: boolean;
}

/** Marks a Lagrangian parameter as trained with the synapses: `softmax({ beta: learnable(2) })`. */
export function learnable(value: number | readonly number[]): LearnableValue {
  return { value, learnable: true };
}

/** Turns a user's option (or the default) into a spec of the given shape. */
export function paramFromOption(option: ParamOption | undefined, fallback: number, shape: Shape): ParamSpec {
  const given = option === undefined ? fallback : option;
  const { value, learnable: isLearnable } =
    typeof given === 'number' || Array.isArray(given)
      ? { value: given as number | readonly number[], learnable: false }
      : (given as LearnableValue);
  const init: Init =
    typeof value === 'number' ? { type: 'constant', value } : { type: 'values', values: value };
  return { shape, init, learnable: isLearnable };
}

/** The plain-number value of an option, for checks (`beta > 0`) at construction time. */
export function optionValue(option: ParamOption | undefined): number | readonly number[] | undefined {
  if (option === undefined || typeof option === 'number' || Array.isArray(option)) {
    return option as number | readonly number[] | undefined;
  }
  return (option as LearnableValue).value;
}

/**
 * Rejects an option that is not a finite positive number (β, say), at construction time: a
 * `HamuxError` at `[kind, name]` (`exp.beta: must be a finite positive number, got -1`).
 */
export function checkPositiveOption(kind: string, name: string, option: ParamOption | undefined): void {
  const v = optionValue(option);
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new HamuxError([kind, name], `must be a finite positive number, got ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`, 'invalid_argument');
  }
}

/** Initialiser: every entry 0. */
export const zeros: Init = { type: 'constant', value: 0 };
/** Initialiser: every entry 1. */
export const ones: Init = { type: 'constant', value: 1 };
/** Initialiser: entries drawn from a normal distribution with this standard deviation and mean (default 0). */
export const normal = (std: number, mean = 0): Init => ({ type: 'normal', std, mean });
/** Initialiser: entries drawn uniformly from `[low, high)`. */
export const uniform = (low: number, high: number): Init => ({ type: 'uniform', low, high });

/** Checks an initialiser against a parameter's shape; returns a problem or undefined. */
export function checkInit(init: Init, shape: Shape): string | undefined {
  if (init.type === 'values' && init.values.length !== sizeOf(shape)) {
    return `expected ${sizeOf(shape)} values for shape ${formatShape(shape)}, got ${init.values.length}`;
  }
  if (init.type === 'normal' && !(init.std >= 0)) return `normal std must be >= 0, got ${init.std}`;
  if (init.type === 'uniform' && !(init.high >= init.low)) return `uniform needs low <= high`;
  return undefined;
}

/** The code of `checkInit`'s problem: too many or too few values for the shape, or a bad distribution. */
export function initProblemCode(init: Init): HamuxErrorCode {
  return init.type === 'values' ? 'shape_mismatch' : 'invalid_argument';
}

/** Materialises a parameter from its spec; `key` comes from `deriveKey(seed, path)`. */
export function initParam(path: string, spec: ParamSpec, key: number): Tensor {
  const problem = checkInit(spec.init, spec.shape);
  if (problem) throw new HamuxError(path, problem, initProblemCode(spec.init));
  const init = spec.init;
  const shape = [...spec.shape];
  switch (init.type) {
    case 'constant':
      return tf.fill(shape, init.value);
    case 'values':
      return tf.tensor(init.values as number[], shape, 'float32');
    case 'normal':
      return tf.tensor(normalValues(key, shape, init.mean ?? 0, init.std), shape);
    case 'uniform':
      return tf.tensor(uniformValues(key, shape, init.low, init.high), shape);
  }
}

/** Parameter tensors for some or all owners, as given by a user (loaded weights, training). */
export interface ParamTree {
  /** Layers' parameters by layer and name. */
  readonly layers?: Readonly<Record<string, Readonly<Record<string, Tensor>>>>;
  /** Synapses' parameters by synapse and name. */
  readonly synapses?: Readonly<Record<string, Readonly<Record<string, Tensor>>>>;
}

/** Every parameter spec of a graph: per layer and per synapse, by name. */
export interface ParamSpecTree {
  /** Each layer's parameter specs. */
  readonly layers: Readonly<Record<string, ParamSpecs>>;
  /** Each synapse's parameter specs. */
  readonly synapses: Readonly<Record<string, ParamSpecs>>;
}

/**
 * Everything wrong with `given` against the specs: unknown owners or parameters, non-tensors,
 * disposed tensors, wrong shapes, and (when `complete`) missing parameters. Paths start at `prefix`.
 */
export function paramProblems(specs: ParamSpecTree, given: ParamTree, complete: boolean, prefix: string | ErrorPath = ''): HamuxError[] {
  // A text prefix ends with a dot (`'options.params.'`); as keys it is `['options', 'params']`.
  const pre = typeof prefix === 'string' ? parsePath(prefix.replace(/\.$/, '')) : prefix;
  const errors: HamuxError[] = [];
  for (const group of ['layers', 'synapses'] as const) {
    const owners = given[group] ?? {};
    for (const owner of Object.keys(owners)) {
      if (!Object.hasOwn(specs[group], owner)) {
        errors.push(new HamuxError([...pre, group, owner], `no such ${group === 'layers' ? 'layer' : 'synapse'}${didYouMean(owner, Object.keys(specs[group]))} (${group} are ${Object.keys(specs[group]).map((n) => `"${n}"`).join(', ') || 'none'})`, 'unknown_name'));
      }
    }
    for (const [owner, ownerSpecs] of Object.entries(specs[group])) {
      const mine = Object.hasOwn(owners, owner) ? owners[owner]! : {};
      for (const extra of Object.keys(mine).filter((k) => !Object.hasOwn(ownerSpecs, k))) {
        errors.push(new HamuxError([...pre, group, owner, extra], `unknown parameter${didYouMean(extra, Object.keys(ownerSpecs))} (expected one of: ${Object.keys(ownerSpecs).join(', ') || 'none'})`, 'unknown_name'));
      }
      for (const [p, spec] of Object.entries(ownerSpecs)) {
        const path = [...pre, group, owner, p];
        const t = Object.hasOwn(mine, p) ? mine[p] : undefined;
        if (t === undefined) {
          if (complete) errors.push(new HamuxError(path, `missing: expected a tensor of shape ${formatShape(spec.shape)}`, 'invalid_argument'));
        } else if (!(t instanceof tf.Tensor)) errors.push(new HamuxError(path, 'expected a tensor', 'invalid_argument'));
        else if (t.isDisposed) errors.push(new HamuxError(path, 'the tensor has been disposed', 'disposed'));
        else if (!sameShape(t.shape, spec.shape)) {
          errors.push(new HamuxError(path, `expected shape ${formatShape(spec.shape)}, got ${formatShape(t.shape)}`, 'shape_mismatch'));
        }
      }
    }
  }
  return errors;
}
