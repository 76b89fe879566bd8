/** What a command writes to; the entry point passes the process's streams. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress lines are shown only then). */
  readonly stderrIsTTY: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Runs the command; throws `UsageError`/`InputError`/`HamuxError` on failure. */
  run(args: readonly string[], io: Io): void | Promise<void>;
}
