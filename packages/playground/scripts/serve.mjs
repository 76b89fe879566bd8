// Serves the built page: node scripts/serve.mjs [folder=dist] [port=8080]. The server is the page
// tests' (@hamux-ts/test-support): 127.0.0.1, a secure context, so the page gets navigator.gpu and
// a service worker; exact files only (a missing file is a 404, never index.html).
import { resolve } from 'node:path';
import { serveFolder } from '@hamux-ts/test-support';

const folder = process.argv[2] ?? 'dist';
const { url } = await serveFolder(folder, { port: Number(process.argv[3] ?? 8080) });
process.stdout.write(`serving ${resolve(folder)} at ${url}/ (run \`npm run build\` first)\n`);
