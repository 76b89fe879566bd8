#!/usr/bin/env node
// The `hamux` command installed with hamux-ts: the one of @hamux-ts/cli.
import '@hamux-ts/cli/bin/hamux.js';
