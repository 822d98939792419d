import type { Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, as this machine allows it: no sandbox (root),
 * and none of the background networking that a closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}
