export declare function serveFolder(
  folder: string,
  options?: { port?: number },
): Promise<{ url: string; requested: string[]; close: () => Promise<void> }>;
