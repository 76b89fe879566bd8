import { existsSync } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';

/**
 * Chromium's flags for page tests (see recipes.md): WebGPU without a GPU (SwiftShader, a software
 * adapter), running as root, and no attempt to reach the internet.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium to test in: `HAMUX_CHROMIUM`, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env['HAMUX_CHROMIUM'] ?? '/usr/bin/chromium';
}

/**
 * Launches headless Chromium with `CHROMIUM_ARGS` (playwright-core never downloads a browser; it
 * gives Chromium a fresh temporary --user-data-dir and removes it on close). Throws, saying how to
 * get one, when there is no Chromium at `chromiumPath()`.
 */
export async function launchChromium(options: Pick<LaunchOptions, 'timeout'> = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install chromium) or set HAMUX_CHROMIUM`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000, ...options });
}
