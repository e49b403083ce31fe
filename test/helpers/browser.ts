/**
 * Headless Debian Chromium for the page tests: one launch (flags that keep it off the network and quiet),
 * contexts that are closed with it.
 */
import { chromium as playwright, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { CHROMIUM } from './requirements.js';

export interface TestBrowser {
  browser: Browser;
  /** A context that `close()` closes. */
  context(options: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const browser = await playwright.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async context(options) {
      const context = await browser.newContext(options);
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}
