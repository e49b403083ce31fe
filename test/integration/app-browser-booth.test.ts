/**
 * The booth page in headless Chromium against the real (bundled) server: the stranger's button and QR
 * code (decoded from a screenshot), the view without an invite link, the Funnel on/off texts, the
 * highlighted identity headers, the avatar fallback, projector mode (?booth: large, the whole emoji on
 * the screen, no gap under the heading, texts without a button and with an address to type) and a
 * 390x844 phone without horizontal scroll. Every page counts CSP violations (securitypolicyviolation events and console
 * reports) and must have none. Screenshots land in test/artifacts/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jsqr from 'jsqr';
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/browser.js';
import { chromium } from '../helpers/requirements.js';
import { bundleApp, startServer, type Bundle, type RunningServer } from '../unit/app/server-process.js';

// jsqr is CommonJS with an ES-style default: under NodeNext the function is its `default`.
const jsQR = jsqr.default;
const req = chromium();
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
const socialPng = fileURLToPath(new URL('../../app/static/social.png', import.meta.url));

const INVITE = 'https://login.tailscale.com/admin/invite/booth-invite-Qx7vK2mP9wZ';
const URL_ = 'https://booth.example.ts.net';
const AVATAR_OK = 'https://avatars.example.test/zoe.png';
const AVATAR_404 = 'https://avatars.example.test/gone.png';
const ZOE = {
  'Tailscale-User-Login': 'zoe@example.com',
  'Tailscale-User-Name': '=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=',
};
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1000, height: 800 };
const PROJECTOR = { width: 1920, height: 1080 };

// tsconfig has no DOM lib: the few browser globals used in evaluate() callbacks.
interface Win {
  innerWidth: number;
  innerHeight: number;
  document: { documentElement: { scrollWidth: number } };
  getComputedStyle(e: unknown): Record<'backgroundColor' | 'color' | 'fontSize', string>;
  addEventListener(type: string, fn: (e: { violatedDirective: string; blockedURI: string }) => void): void;
  __csp: string[];
}

describe.skipIf(!req.ok)('the booth page in Chromium', () => {
  let bundle: Bundle | undefined;
  /** Invite link, TAILSCALE_URL, Funnel on. */
  let booth: RunningServer | undefined;
  /** No invite link, Funnel off. */
  let bare: RunningServer | undefined;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    bundle = await bundleApp();
    booth = await startServer(bundle.entry, { DEMO_INVITE_LINK: INVITE, TAILSCALE_URL: URL_, TAILSCALE_FUNNEL: 'on' });
    bare = await startServer(bundle.entry, {});
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await booth?.stop();
    await bare?.stop();
    await bundle?.remove();
  });

  interface Opened {
    page: Page;
    /** CSP violations: securitypolicyviolation events and console reports. */
    csp(): Promise<string[]>;
  }

  /** Loads `url` of `server`; no request leaves 127.0.0.1 (the avatar hosts are answered here). */
  async function open(server: RunningServer, url: string, headers: Record<string, string> = {}, viewport = DESKTOP): Promise<Opened> {
    const context = await browser!.context({ viewport, extraHTTPHeaders: headers });
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, async (route) => {
      const target = route.request().url();
      if (target === AVATAR_OK) await route.fulfill({ status: 200, contentType: 'image/png', body: readFileSync(socialPng) });
      else if (target === AVATAR_404) await route.fulfill({ status: 404, contentType: 'text/plain', body: 'gone' });
      else await route.abort();
    });
    // Runs through the DevTools protocol before the page's own content, so the strict CSP does not apply to it.
    await context.addInitScript(() => {
      const w = globalThis as unknown as Win;
      w.__csp = [];
      w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const consoleCsp: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) consoleCsp.push(msg.text());
    });
    const res = await page.goto(`http://127.0.0.1:${server.port}${url}`);
    expect(res?.status()).toBe(200);
    await page.waitForLoadState('load');
    return { page, csp: async () => [...consoleCsp, ...(await page.evaluate(() => (globalThis as unknown as Win).__csp))] };
  }

  async function decodeQr(locator: Locator): Promise<string | undefined> {
    const png = PNG.sync.read(await locator.screenshot());
    return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data;
  }

  /** Pixels that differ between two same-size screenshots within `radius` of their centre. */
  function differingPixels(a: PNG, b: PNG, radius: number): number {
    expect([a.width, a.height]).toEqual([b.width, b.height]);
    const cx = a.width / 2;
    const cy = a.height / 2;
    let n = 0;
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > radius ** 2) continue;
        const i = (y * a.width + x) * 4;
        if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
      }
    }
    return n;
  }

  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => ({
      scrollWidth: (globalThis as unknown as Win).document.documentElement.scrollWidth,
      innerWidth: (globalThis as unknown as Win).innerWidth,
    }));

  const css = (locator: Locator, prop: 'backgroundColor' | 'color' | 'fontSize') =>
    locator.evaluate((el, p) => (globalThis as unknown as Win).getComputedStyle(el)[p], prop);

  it('stranger view: a real button, three steps and a QR code that decodes to the invite link', async () => {
    const { page, csp } = await open(booth!, '/');
    expect(await page.locator('h1').innerText()).toBe('Howdy, internet stranger!');
    expect(await page.locator('.emoji').innerText()).toBe('🤠');
    const button = page.getByRole('link', { name: 'Accept this invite' });
    expect(await button.isVisible()).toBe(true);
    expect(await button.getAttribute('href')).toBe(INVITE);
    expect(await button.getAttribute('target')).toBe('_blank');
    // Styled as a button: dark fill, cream text, no underline, padded.
    expect(await css(button, 'backgroundColor')).toBe('rgb(40, 40, 40)');
    expect(await css(button, 'color')).toBe('rgb(242, 229, 188)');
    const box = await button.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    const steps = page.locator('ol.steps > li');
    expect(await steps.allInnerTexts()).toEqual([
      expect.stringMatching(/^Join: scan the code or press the button/),
      `Open it over your tailnet: with Tailscale on, open ${URL_}.`,
      expect.stringMatching(/^See your name: /),
    ]);
    const qr = page.getByRole('img', { name: 'QR code of the invite link' });
    expect(await qr.isVisible()).toBe(true);
    expect(await decodeQr(qr)).toBe(INVITE);
    // No script of any kind on the page.
    expect(await page.locator('script').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}booth-stranger.png`, fullPage: true });
    expect(await csp()).toEqual([]);
  });

  it('Funnel on: says the node is funnelled to the public internet', async () => {
    const { page, csp } = await open(booth!, '/');
    expect(await page.locator('main').innerText()).toContain('shared with other tailnets and funnelled to the public internet');
    expect(await csp()).toEqual([]);
  });

  it('no invite link, Funnel off: no button, no QR code, "ask at the booth"; no word of the public internet', async () => {
    const { page, csp } = await open(bare!, '/');
    const text = await page.locator('main').innerText();
    expect(text).toContain('ask at the booth');
    expect(text).toContain('Funnel is off: it is not on the public internet');
    expect(text).not.toMatch(/funnelled/);
    expect(await page.locator('a[target="_blank"]').count()).toBe(0);
    expect(await page.locator('svg').count()).toBe(0);
    expect(await page.locator('ol.steps > li').first().innerText()).toMatch(/^Join: ask at the booth for an invite/);
    expect(await page.locator('ol.steps > li').nth(1).innerText()).toBe(
      'Open it over your tailnet: with Tailscale on, open this page again.',
    );
    await page.screenshot({ path: `${artifacts}booth-no-invite.png`, fullPage: true });
    expect(await csp()).toEqual([]);
  });

  it('friend view: the identity headers themselves, highlighted and open, decoded and raw; the rest collapsed', async () => {
    const { page, csp } = await open(booth!, '/', { ...ZOE, 'Tailscale-User-Profile-Pic': AVATAR_OK });
    expect(await page.locator('h1').innerText()).toBe("Now we're friends, Zoë Ñúñez (zoe@example.com)!");
    const identity = page.locator('.identity');
    expect(await identity.isVisible()).toBe(true);
    // Highlighted: a white card with dark text on the green page.
    expect(await css(page.locator('body'), 'backgroundColor')).toBe('rgb(34, 139, 34)');
    expect(await css(identity, 'backgroundColor')).toBe('rgb(255, 255, 255)');
    expect(await css(identity, 'color')).toBe('rgb(40, 40, 40)');
    const names = (await identity.locator('dt').allInnerTexts()).map((n) => n.toLowerCase());
    expect(names.sort()).toEqual(['tailscale-user-login', 'tailscale-user-name', 'tailscale-user-profile-pic']);
    const value = (name: string) =>
      identity.locator('dt', { hasText: new RegExp(`^${name}$`, 'i') }).locator('xpath=following-sibling::dd[1]');
    expect(await value('Tailscale-User-Name').locator('.decoded').innerText()).toBe('Zoë Ñúñez');
    expect(await value('Tailscale-User-Name').locator('.raw').innerText()).toBe(`raw: ${ZOE['Tailscale-User-Name']}`);
    expect(await value('Tailscale-User-Login').innerText()).toBe('zoe@example.com');
    expect(await value('Tailscale-User-Login').locator('.raw').count()).toBe(0);
    expect(await value('Tailscale-User-Profile-Pic').innerText()).toBe(AVATAR_OK);
    // The other headers: collapsed until opened, without the identity headers.
    const list = page.locator('#headers-list');
    expect(await list.isVisible()).toBe(false);
    await page.locator('summary').click();
    expect(await list.isVisible()).toBe(true);
    expect(await list.innerText()).toMatch(/user-agent: .*Chrome/i);
    expect(await list.innerText()).not.toMatch(/tailscale-user-/i);
    await page.screenshot({ path: `${artifacts}booth-friend.png`, fullPage: true });
    expect(await csp()).toEqual([]);
  });

  it('avatar: the picture when it loads; the initials, and nothing else, when it fails or is absent', async () => {
    const shot = async (headers: Record<string, string>, name: string) => {
      const { page, csp } = await open(booth!, '/', headers);
      const avatar = page.locator('.avatar');
      expect(await avatar.boundingBox()).toMatchObject({ width: 96, height: 96 });
      expect(await avatar.locator('.initials').innerText()).toBe('ZÑ');
      const img = avatar.locator('img');
      const loaded =
        (await img.count()) === 0
          ? null
          : await img.evaluate((el) => {
              const i = el as unknown as { complete: boolean; naturalWidth: number };
              return i.complete ? i.naturalWidth : -1;
            });
      const png = await avatar.screenshot({ path: `${artifacts}booth-avatar-${name}.png` });
      expect(await csp()).toEqual([]);
      return { loaded, png: PNG.sync.read(png) };
    };
    const ok = await shot({ ...ZOE, 'Tailscale-User-Profile-Pic': AVATAR_OK }, 'picture');
    const failed = await shot({ ...ZOE, 'Tailscale-User-Profile-Pic': AVATAR_404 }, 'failed');
    const absent = await shot(ZOE, 'absent');
    expect(ok.loaded).toBe(1200);
    expect(failed.loaded).toBe(0);
    expect(absent.loaded).toBeNull();
    // A failed picture shows what an absent one shows: the initials, no broken-image icon, no alt text.
    // Compared inside the circle (radius 40 of 45: the anti-aliased rim may differ by a layer).
    expect(differingPixels(failed.png, absent.png, 40)).toBe(0);
    expect(differingPixels(ok.png, absent.png, 40)).toBeGreaterThan(1000);
  });

  it('projector mode (?booth): large type and a large QR code on one 1920x1080 screen', async () => {
    const { page, csp } = await open(booth!, '/?booth', {}, PROJECTOR);
    expect(await page.locator('body').getAttribute('class')).toBe('stranger booth');
    const qr = page.getByRole('img', { name: 'QR code of the invite link' });
    const box = (await qr.boundingBox())!;
    // Large, and all of it on the screen without scrolling.
    expect(box.width).toBeGreaterThanOrEqual(PROJECTOR.height / 2);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(PROJECTOR.height);
    expect(await decodeQr(qr)).toBe(INVITE);
    // Every visible text at least 1/36 of the screen height (30 px): readable from 3 m on a projector.
    const sizes = await page
      .locator('main :is(h1,p,li,figcaption,a)')
      .evaluateAll((els) => els.map((el) => Number.parseFloat((globalThis as unknown as Win).getComputedStyle(el).fontSize)));
    expect(sizes.length).toBeGreaterThan(5);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(30);
    expect(Number.parseFloat(await css(page.locator('h1'), 'fontSize'))).toBeGreaterThanOrEqual(60);
    // The normal page is smaller: the switch is what makes it large.
    const normal = await open(booth!, '/', {}, PROJECTOR);
    expect(Number.parseFloat(await css(normal.page.locator('h1'), 'fontSize'))).toBeLessThan(30);
    expect(await noHorizontalScroll(page)).toMatchObject({ scrollWidth: PROJECTOR.width });
    await page.screenshot({ path: `${artifacts}booth-projector.png` });
    expect(await csp()).toEqual([]);
    expect(await normal.csp()).toEqual([]);
  });

  /** The rows of `png` (a viewport screenshot) with ink other than the page's background in `box`'s columns, above `belowY`. */
  function inkRows(png: PNG, box: { x: number; width: number }, belowY: number): { top: number; bottom: number } {
    let top = -1;
    let bottom = -1;
    for (let y = 0; y < Math.min(belowY, png.height); y++) {
      for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(png.width, box.x + box.width); x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i] !== 242 || png.data[i + 1] !== 229 || png.data[i + 2] !== 188) {
          if (top < 0) top = y;
          bottom = y;
          break;
        }
      }
    }
    return { top, bottom };
  }

  it.each([
    [1920, 1080],
    [1280, 720],
    [1024, 768],
  ])(
    'projector %ix%i: the whole emoji on the screen, the steps right under the heading, texts for a screen nobody clicks',
    async (width, height) => {
      const { page, csp } = await open(booth!, '/?booth', {}, { width, height });
      const emoji = (await page.locator('.emoji').boundingBox())!;
      const h1 = (await page.locator('h1').boundingBox())!;
      const png = PNG.sync.read(await page.screenshot({ path: `${artifacts}booth-projector-${width}x${height}.png` }));
      // The glyph's ink lies within its own line with room above and below (5% of the line: an emoji font
      // whose glyph is a little taller than this one stays inside too), and the line is on the screen.
      const ink = inkRows(png, emoji, h1.y);
      expect(emoji.y).toBeGreaterThan(0);
      expect(ink.bottom - ink.top).toBeGreaterThan(emoji.height / 2); // it is the emoji that was measured
      expect(ink.top - emoji.y, 'room above the emoji').toBeGreaterThanOrEqual(0.05 * emoji.height);
      expect(emoji.y + emoji.height - ink.bottom, 'room below the emoji').toBeGreaterThanOrEqual(0.05 * emoji.height);
      // No gap under the heading: the first step follows within two lines of body text.
      const body = Number.parseFloat(await css(page.locator('body'), 'fontSize'));
      const first = (await page.locator('ol.steps > li').first().boundingBox())!;
      expect(first.y - (h1.y + h1.height)).toBeLessThanOrEqual(2 * body);
      // Step 1 names no button (there is none on a projector); the address to type is short, under the code and in step 2.
      const steps = await page.locator('ol.steps > li').allInnerTexts();
      expect(steps[0]).toBe('Join: scan the code (or type the address under it), accept the invite and log in to Tailscale.');
      expect(steps.join(' ')).not.toMatch(/button/);
      expect(steps[1]).toBe('Open it over your tailnet: with Tailscale on, open booth.example.ts.net.');
      expect(await page.locator('figcaption').innerText()).toBe('Scan to join, or type\nbooth.example.ts.net');
      // all of it on the one screen: the caption under the code and the last step
      const caption = (await page.locator('figcaption').boundingBox())!;
      expect(caption.y + caption.height).toBeLessThanOrEqual(height);
      const last = (await page.locator('ol.steps > li').last().boundingBox())!;
      expect(last.y + last.height).toBeLessThanOrEqual(height);
      expect(await page.getByRole('link', { name: 'Accept this invite' }).isVisible()).toBe(false);
      expect(await csp()).toEqual([]);
    },
  );

  it('projector without Funnel: the page is not public, so the only address shown is the one to open over the tailnet', async () => {
    const server = await startServer(bundle!.entry, { DEMO_INVITE_LINK: INVITE, TAILSCALE_URL: `${URL_}/` });
    try {
      const { page, csp } = await open(server, '/?booth', {}, PROJECTOR);
      const steps = await page.locator('ol.steps > li').allInnerTexts();
      expect(steps[0]).toBe('Join: scan the code, accept the invite and log in to Tailscale.');
      expect(steps[1]).toBe('Open it over your tailnet: with Tailscale on, open booth.example.ts.net.');
      expect(await page.locator('figcaption').innerText()).toBe('Scan to join');
      // the page itself (not on a projector) keeps its button and the full URL
      const normal = await open(server, '/', {}, DESKTOP);
      expect((await normal.page.locator('ol.steps > li').allInnerTexts())[0]).toMatch(/^Join: scan the code or press the button/);
      expect((await normal.page.locator('ol.steps > li').allInnerTexts())[1]).toContain(`open ${URL_}.`);
      expect(await csp()).toEqual([]);
      expect(await normal.csp()).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['stranger', () => booth!, '/', {}],
    ['no-invite', () => bare!, '/', {}],
    ['friend', () => booth!, '/', { ...ZOE, 'Tailscale-User-Profile-Pic': `${AVATAR_OK}?${'very-long-query-'.repeat(12)}` }],
    ['projector', () => booth!, '/?booth', {}],
  ] as const)('390x844 phone, %s view: no horizontal scroll', async (name, server, url, headers) => {
    const { page, csp } = await open(server(), url, headers, PHONE);
    if (name === 'friend') await page.locator('summary').click();
    const { scrollWidth, innerWidth } = await noHorizontalScroll(page);
    expect(innerWidth).toBe(PHONE.width);
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    if (name === 'stranger' || name === 'projector') {
      const qr = page.getByRole('img', { name: 'QR code of the invite link' });
      expect((await qr.boundingBox())!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await decodeQr(qr)).toBe(INVITE);
    }
    await page.screenshot({ path: `${artifacts}booth-phone-${name}.png`, fullPage: true });
    expect(await csp()).toEqual([]);
  });
});
