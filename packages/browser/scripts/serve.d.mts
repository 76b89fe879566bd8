export declare function serveStatic(
  mounts: Readonly<Record<string, string>>,
  options?: { port?: number },
): Promise<{ url: string; close: () => Promise<void> }>;
