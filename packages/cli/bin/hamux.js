#!/usr/bin/env node
// The `hamux` command. This file is committed, not built, so that `npm ci` links the bin before
// anything is built; the program itself is dist/cli.js, built from src/cli.ts by `npm run build`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('hamux: the command is not built yet (no @hamux-ts/cli/dist/cli.js); run `npm run build` first.\n');
  process.exit(1);
}
await import(cli.href);
