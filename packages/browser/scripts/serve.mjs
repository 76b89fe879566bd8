// A small static file server for the demo and the Chromium test: folders mounted at URL prefixes,
// on 127.0.0.1 (a secure context, so the page gets navigator.gpu), nothing outside the mounts.
//   node scripts/serve.mjs [port]   serves this package (open /demo/ after `npm run build`)
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm', // needed by WebAssembly.instantiateStreaming
  '.css': 'text/css',
  '.png': 'image/png',
};

/** The file a URL path names under the mounts, or undefined (never a path outside a mount). */
function locate(mounts, urlPath) {
  for (const [prefix, dir] of Object.entries(mounts).sort((a, b) => b[0].length - a[0].length)) {
    if (!urlPath.startsWith(prefix)) continue;
    const root = resolve(dir);
    let file = resolve(root, '.' + sep + urlPath.slice(prefix.length));
    if (file !== root && !file.startsWith(root + sep)) return undefined;
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      if (statSync(file).isFile()) return file;
    } catch {
      // not there: try a shorter prefix
    }
  }
  return undefined;
}

/**
 * Serves `mounts` (URL prefix ending in '/' → folder) on 127.0.0.1; port 0 picks a free one.
 * Resolves to the base URL and a `close` that also ends open keep-alive connections.
 */
export function serveStatic(mounts, { port = 0 } = {}) {
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = req.method === 'GET' || req.method === 'HEAD' ? locate(mounts, path) : undefined;
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const { url } = await serveStatic({ '/': packageDir }, { port: Number(process.argv[2] ?? 8080) });
  process.stdout.write(`serving ${packageDir} at ${url}/ — the demo is at ${url}/demo/ (run \`npm run build\` first)\n`);
}
