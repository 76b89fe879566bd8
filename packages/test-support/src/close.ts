/**
 * Runs every closer in order, each even when one before it failed, then throws the first failure:
 * the end of a page test (close the browser, then the server, then remove the work folder).
 */
export async function closeAll(...closers: ReadonlyArray<() => unknown>): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
