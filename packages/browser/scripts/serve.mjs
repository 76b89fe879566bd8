// Serves this package for the demo (open /demo/ after `npm run build`):
//   node scripts/serve.mjs [port]
// The server is the page tests' (@hamux-ts/test-support): 127.0.0.1, a secure context, so the page
// gets navigator.gpu.
import { fileURLToPath } from 'node:url';
import { serveFolder } from '@hamux-ts/test-support';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { url } = await serveFolder(packageDir, { port: Number(process.argv[2] ?? 8080) });
process.stdout.write(`serving ${packageDir} at ${url}/ — the demo is at ${url}/demo/ (run \`npm run build\` first)\n`);
