// A small static file server for the built page (and the end-to-end tests): one folder on
// 127.0.0.1 (a secure context, so the page gets navigator.gpu and a service worker), exact files
// only (a missing file is a 404, never index.html), nothing outside the folder.
//   node scripts/serve.mjs [folder=dist] [port=8080]
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The file a URL path names inside `root`, or undefined. */
function locate(root, urlPath) {
  let file = resolve(root, `.${sep}${urlPath}`);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves `folder` on 127.0.0.1 (port 0: a free one). Resolves to its URL, the list of paths
 * requested (for tests), and `close`, which also ends keep-alive connections.
 */
export function serveFolder(folder, { port = 0 } = {}) {
  const root = resolve(folder);
  const requested = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requested.push(path);
    const file = req.method === 'GET' || req.method === 'HEAD' ? locate(root, path) : undefined;
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      done({
        url: `http://127.0.0.1:${server.address().port}`,
        requested,
        close: () => new Promise((closed) => {
          server.closeAllConnections();
          server.close(() => closed());
        }),
      });
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const folder = process.argv[2] ?? 'dist';
  const { url } = await serveFolder(folder, { port: Number(process.argv[3] ?? 8080) });
  process.stdout.write(`serving ${resolve(folder)} at ${url}/ (run \`npm run build\` first)\n`);
}
