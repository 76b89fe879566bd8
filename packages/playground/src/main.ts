// The playground's entry point: start a backend (and say which), load the shipped digits and the
// list of pretrained models, open the first model, and expose the test API.
import { adapterName } from '@hamux-ts/browser';
import { HamuxError, tf } from '@hamux-ts/core';
import { backendBadge, backendChoice, startBackend } from './lib/backend.js';
import { decodeDigits, type DigitsIndex } from './lib/digits.js';
import { checkPretrainedIndex, type PretrainedEntry } from './lib/models.js';
import { App } from './ui/app.js';
import { byId, errorText } from './ui/dom.js';
import './style.css';

const base = new URL('./', document.baseURI);

async function getJson(path: string): Promise<unknown> {
  const r = await fetch(new URL(path, base));
  if (!r.ok) throw new HamuxError([path], `HTTP ${r.status}`, 'io');
  return r.json();
}

async function pretrainedModels(): Promise<PretrainedEntry[]> {
  try {
    return checkPretrainedIndex(await getJson('models/index.json'));
  } catch (e) {
    byId('model-errors').textContent = `no pretrained models: ${errorText(e)}`;
    return [];
  }
}

/** Registers the service worker that caches the page for offline use (built pages over http(s) only). */
function offline(): void {
  const line = byId('offline');
  if (!__PLAYGROUND_BUILD__ || !('serviceWorker' in navigator) || !location.protocol.startsWith('http')) {
    line.textContent = 'offline cache: not available here (needs the built page over http(s))';
    return;
  }
  navigator.serviceWorker.register('./sw.js').then(
    () => navigator.serviceWorker.ready.then(() => {
      line.textContent = 'offline cache ready: this page now works without a network';
      document.body.dataset['offline'] = 'ready';
    }),
    (e: unknown) => { line.textContent = `offline cache failed: ${errorText(e)}`; },
  );
}

async function main(): Promise<void> {
  const badge = byId('backend');
  try {
    tf.env().set('PROD', true);
    // The runtime goes to every relaxation and trainer of the page (in a browser it has no host
    // matrix product, so they run in tfjs ops on the chosen backend).
    const runtime = await startBackend(backendChoice(location.search), new URL('wasm/', base).href);
    const { text, title } = backendBadge(runtime.report, adapterName);
    badge.textContent = text;
    badge.title = title;
    badge.dataset['backend'] = runtime.backend;
    document.body.dataset['backend'] = runtime.backend;
    const [digitsIndex, digitBytes, pretrained] = await Promise.all([
      getJson('data/digits.json'),
      fetch(new URL('data/digits.bin', base)).then(async (r) => {
        if (!r.ok) throw new HamuxError(['data/digits.bin'], `HTTP ${r.status}`, 'io');
        return new Uint8Array(await r.arrayBuffer());
      }),
      pretrainedModels(),
    ]);
    const app = new App(runtime, decodeDigits(digitsIndex as DigitsIndex, digitBytes), pretrained);
    await app.selectModel(app.modelList()[0]!.id);
    window.hamuxPlayground = app.api();
    document.body.dataset['ready'] = 'true';
  } catch (e) {
    badge.textContent = `failed to start: ${errorText(e)}`;
    document.body.dataset['ready'] = 'error';
    byId('model-errors').textContent = errorText(e);
  }
  offline();
}

// Anything that escapes the handlers is shown on the page rather than lost.
window.addEventListener('unhandledrejection', (e) => { byId('model-errors').textContent = errorText(e.reason); });
window.addEventListener('error', (e) => { byId('model-errors').textContent = errorText(e.error ?? e.message); });

void main();
