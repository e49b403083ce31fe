/**
 * A person logging a node in through headscale's OpenID Connect flow, in a real Chromium: the node's
 * login URL (`/register/<id>`) → the test provider's form (test/helpers/oidc-provider.ts) → headscale's
 * `/oidc/callback` → on 0.29 its confirmation page (`/register/confirm/<id>`, a button) → the page
 * headscale ends on, whose text and status the caller checks.
 */
import type { TestBrowser } from './browser.js';

export interface OidcLoginOutcome {
  /** Status of headscale's last page (the callback, or the confirmation); 0 when never reached. */
  status: number;
  /** The text of the page the flow ended on. */
  text: string;
  /** Whether a confirmation button was clicked (headscale 0.29+). */
  confirmed: boolean;
}

export async function oidcLogin(browser: TestBrowser, authUrl: string, login: string): Promise<OidcLoginOutcome> {
  const context = await browser.context({});
  const page = await context.newPage();
  let last: { status: number } | undefined;
  page.on('response', (r) => {
    if (/\/oidc\/callback|\/register\/confirm\//.test(r.url())) last = { status: r.status() };
  });
  try {
    await page.goto(authUrl);
    await page.getByLabel('Username').fill(login);
    await Promise.all([page.waitForURL(/\/oidc\/callback/), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.waitForLoadState('load');
    const confirm = page.getByRole('button', { name: 'Confirm registration' });
    const confirmed = (await confirm.count()) > 0;
    if (confirmed) {
      await Promise.all([page.waitForURL(/\/register\/confirm\//), confirm.click()]);
      await page.waitForLoadState('load');
    }
    return { status: last?.status ?? 0, text: await page.locator('body').innerText(), confirmed };
  } finally {
    await context.close();
  }
}
