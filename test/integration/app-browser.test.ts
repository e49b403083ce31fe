/**
 * Both views in headless Chromium against the real (bundled) server: visible text, computed colours,
 * the avatar under the CSP, no CSP violations; screenshots in test/artifacts/.
 * The friend view comes from identity headers the browser adds (extraHTTPHeaders); it connects over
 * 127.0.0.1, which the app trusts, as it trusts tailscale serve.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/browser.js';
import { chromium } from '../helpers/requirements.js';
import { bundleApp, startServer, type Bundle, type RunningServer } from '../unit/app/server-process.js';

const req = chromium();
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
const socialPng = fileURLToPath(new URL('../../app/static/social.png', import.meta.url));

const INVITE = 'https://login.tailscale.com/admin/invite/demo-invite-code';
const AVATAR = 'https://avatars.example.test/zoe.png';
const ZOE = {
  'Tailscale-User-Login': 'zoe@example.com',
  'Tailscale-User-Name': '=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=',
  'Tailscale-User-Profile-Pic': AVATAR,
};

describe.skipIf(!req.ok)('the identity demo in Chromium', () => {
  let bundle: Bundle | undefined;
  let server: RunningServer | undefined;
  let filtered: RunningServer | undefined;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    bundle = await bundleApp();
    server = await startServer(bundle.entry, { DEMO_INVITE_LINK: INVITE, TAILSCALE_URL: 'https://demo.example.ts.net' });
    filtered = await startServer(bundle.entry, { ALLOWED_DOMAINS: 'example.org' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await filtered?.stop();
    await bundle?.remove();
  });

  /** A page whose console CSP complaints and failed requests are collected; no request leaves 127.0.0.1. */
  async function open(headers: Record<string, string> = {}): Promise<{ page: Page; cspErrors: string[]; external: string[] }> {
    const context = await browser!.context({ viewport: { width: 1000, height: 800 }, extraHTTPHeaders: headers });
    const cspErrors: string[] = [];
    const external: string[] = [];
    // The avatar host is answered locally: the browser never goes to the network.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, async (route) => {
      external.push(route.request().url());
      if (route.request().url() === AVATAR) {
        await route.fulfill({ status: 200, contentType: 'image/png', body: readFileSync(socialPng) });
      } else {
        await route.abort();
      }
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspErrors.push(msg.text());
    });
    return { page, cspErrors, external };
  }

  // tsconfig has no DOM lib: describe the two browser globals used here.
  type Css = Record<'backgroundColor' | 'color', string>;
  const style = (page: Page, selector: string, prop: keyof Css) =>
    page
      .locator(selector)
      .evaluate((el, p) => (globalThis as unknown as { getComputedStyle(e: unknown): Css }).getComputedStyle(el)[p], prop);

  it('stranger view: cream background, dark text, the greeting and the invite link', async () => {
    const { page, cspErrors } = await open();
    const res = await page.goto(`http://127.0.0.1:${server!.port}/`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Howdy, internet stranger!');
    expect(await page.locator('h1').isVisible()).toBe(true);
    expect(await style(page, 'body', 'backgroundColor')).toBe('rgb(242, 229, 188)');
    expect(await style(page, 'body', 'color')).toBe('rgb(40, 40, 40)');
    const invite = page.getByRole('link', { name: 'Accept this invite' });
    expect(await invite.isVisible()).toBe(true);
    expect(await invite.getAttribute('href')).toBe(INVITE);
    expect(await invite.getAttribute('target')).toBe('_blank');
    expect(await invite.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.locator('.emoji').innerText()).toBe('🤠');
    // The headers list is collapsed until opened.
    expect(await page.locator('#headers-list').isVisible()).toBe(false);
    await page.locator('summary').click();
    expect(await page.locator('#headers-list').isVisible()).toBe(true);
    expect(await page.locator('#headers-list').innerText()).toMatch(/user-agent: .*Chrome/i);
    // Centered column.
    const box = await page.locator('main').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(800);
    expect(Math.abs(box!.x - (1000 - box!.x - box!.width))).toBeLessThanOrEqual(2);
    expect(await page.title()).toBe('Tailscale identity headers demo');
    await page.screenshot({ path: `${artifacts}app-stranger.png`, fullPage: true });
    expect(cspErrors).toEqual([]);
  });

  it('friend view: forest green, white text, decoded name and login, the avatar', async () => {
    const { page, cspErrors, external } = await open(ZOE);
    await page.goto(`http://127.0.0.1:${server!.port}/`);
    expect(await page.locator('h1').innerText()).toBe("Now we're friends, Zoë Ñúñez (zoe@example.com)!");
    expect(await style(page, 'body', 'backgroundColor')).toBe('rgb(34, 139, 34)');
    expect(await style(page, 'body', 'color')).toBe('rgb(255, 255, 255)');
    expect(await page.locator('.emoji').innerText()).toBe('👯');
    // The https avatar is allowed by the CSP and actually rendered.
    const avatar = page.locator('.avatar img');
    await expect
      .poll(() =>
        avatar.evaluate((el) => {
          const img = el as unknown as { complete: boolean; naturalWidth: number };
          return img.complete && img.naturalWidth;
        }),
      )
      .toBe(1200);
    const box = await page.locator('.avatar').boundingBox();
    expect(box).toMatchObject({ width: 96, height: 96 });
    expect(external).toEqual([AVATAR]);
    expect(await page.getByRole('link', { name: 'Accept this invite' }).count()).toBe(0);
    await page.screenshot({ path: `${artifacts}app-friend.png`, fullPage: true });
    expect(cspErrors).toEqual([]);
  });

  it('forbidden view: a friendly 403 for a login the filters turn away', async () => {
    const { page, cspErrors } = await open({ 'Tailscale-User-Login': 'eve@evil.example', 'Tailscale-User-Name': 'Eve' });
    const res = await page.goto(`http://127.0.0.1:${filtered!.port}/`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('h1').innerText()).toBe("Sorry, Eve (eve@evil.example): you are not on this demo's guest list.");
    expect(await style(page, 'body', 'backgroundColor')).toBe('rgb(242, 229, 188)');
    await page.screenshot({ path: `${artifacts}app-forbidden.png`, fullPage: true });
    expect(cspErrors).toEqual([]);
  });

  it('a script smuggled into the name is shown as text and never runs', async () => {
    const { page } = await open({
      'Tailscale-User-Login': 'x@example.com',
      'Tailscale-User-Name': '<img src=x onerror="document.title=1"><script>document.title=2</script>',
    });
    await page.goto(`http://127.0.0.1:${server!.port}/`);
    expect(await page.locator('h1').innerText()).toContain('<script>document.title=2</script>');
    expect(await page.title()).toBe('Tailscale identity headers demo');
    expect(await page.locator('script').count()).toBe(0);
  });
});
