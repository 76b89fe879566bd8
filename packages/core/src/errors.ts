/**
 * The error every hamux-ts check throws: it names where the problem is (a layer, a synapse, a config
 * path) and what was expected, so the user never has to read a stack trace from inside tfjs.
 */
export class HamuxError extends Error {
  override readonly name: string = 'HamuxError';
  /** Where the problem is, e.g. `layers.hidden` or `synapses.enc`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/** Several problems found at once (for example while validating a whole graph). */
export class HamuxErrors extends HamuxError {
  override readonly name: string = 'HamuxErrors';
  readonly errors: readonly HamuxError[];

  constructor(errors: readonly HamuxError[]) {
    super(
      '',
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} problems:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
    this.errors = errors;
  }
}
