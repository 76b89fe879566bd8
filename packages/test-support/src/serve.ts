import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm', // needed by WebAssembly.instantiateStreaming
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** Every URL path requested so far, in order. */
  readonly requested: readonly string[];
  /** Stops the server, ending open keep-alive connections too. */
  close(): Promise<void>;
}

/** The file a URL path names under the mounts, or undefined (never a path outside a mount). */
function locate(mounts: Readonly<Record<string, string>>, urlPath: string): string | undefined {
  for (const [prefix, dir] of Object.entries(mounts).sort((a, b) => b[0].length - a[0].length)) {
    if (!urlPath.startsWith(prefix)) continue;
    const root = resolve(dir);
    let file = resolve(root, `.${sep}${urlPath.slice(prefix.length)}`);
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
 * Serves folders at URL prefixes (`{ '/dist/': folder }`, each prefix ending in '/') on 127.0.0.1,
 * a secure context, so pages get `navigator.gpu` and service workers; port 0 picks a free port.
 * Only existing files are served (a folder means its index.html); anything else is a 404.
 */
export function serveStatic(mounts: Readonly<Record<string, string>>, options: { port?: number } = {}): Promise<StaticServer> {
  const requested: string[] = [];
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requested.push(path);
    const file = req.method === 'GET' || req.method === 'HEAD' ? locate(mounts, path) : undefined;
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
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      done({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requested,
        close: () =>
          new Promise((closed) => {
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}

/** Serves one folder at the server's root. */
export function serveFolder(folder: string, options: { port?: number } = {}): Promise<StaticServer> {
  return serveStatic({ '/': folder }, options);
}
