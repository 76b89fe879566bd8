export declare const WASM_BINARIES: readonly string[];
export declare const BUNDLE_NAME: string;
export declare function bundleBrowser(options?: { outdir: string; minify?: boolean }): Promise<{
  outfile: string;
  bytes: number;
  inputs: string[];
}>;
