// Renders the demo's social card (app/static/social.png, 1200x630) from the HTML below in headless
// Chromium. Run: node scripts/make-social-card.mjs [output.png]   (CHROMIUM_PATH overrides the browser)
// Drawn with CSS only (no emoji), so it looks the same whatever fonts the machine has.
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? 'app/static/social.png';
const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
  * { box-sizing: border-box; margin: 0; padding: 0; }
  body { width: 1200px; height: 630px; overflow: hidden; display: flex; flex-direction: column;
    font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; background: #282828; }
  header { height: 150px; display: flex; align-items: center; justify-content: center; color: #fff;
    font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 56px; font-weight: bold; letter-spacing: -1px; }
  .panels { flex: 1; display: flex; }
  .panel { flex: 1; padding: 44px 48px; display: flex; flex-direction: column; justify-content: center; gap: 26px; }
  .stranger { background: #f2e5bc; color: #282828; }
  .friend { background: #228B22; color: #fff; }
  .who { font-size: 22px; opacity: .8; text-transform: uppercase; letter-spacing: 3px; }
  .greet { font-size: 40px; font-weight: bold; line-height: 1.2; }
  .hdr { font-size: 21px; line-height: 1.5; padding: 14px 18px; border-radius: 10px; }
  .stranger .hdr { background: rgba(40,40,40,.08); }
  .friend .hdr { background: rgba(0,0,0,.2); }
  .dots { display: flex; gap: 10px; margin-right: 28px; }
  .dots i { width: 20px; height: 20px; border-radius: 50%; background: #fff; display: block; opacity: .9; }
  .dots i:nth-child(2n) { opacity: .35; }
</style></head><body>
  <header><span class="dots"><i></i><i></i><i></i></span>Tailscale identity headers demo</header>
  <div class="panels">
    <section class="panel stranger">
      <div class="who">from the internet</div>
      <div class="greet">Howdy, internet stranger!</div>
      <div class="hdr">Tailscale-Funnel-Request: ?1</div>
    </section>
    <section class="panel friend">
      <div class="who">from your tailnet</div>
      <div class="greet">Now we're friends, Zoë Ñúñez!</div>
      <div class="hdr">Tailscale-User-Login:<br>zoe@example.com</div>
    </section>
  </div>
</body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 630 }, deviceScaleFactor: 1 });
  await page.setContent(html);
  await page.screenshot({ path: out, type: 'png' });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
