import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  displayName,
  escapeHtml,
  initials,
  pageKind,
  renderPage,
  STYLE,
  STYLE_CSP_SOURCE,
  typedUrl,
  wantsBooth,
  type PageView,
} from '../../../app/page.js';

const stranger = { identified: false, login: '', name: '', profilePic: null };
const zoe = { identified: true, login: 'zoe@example.com', name: 'Zoë', profilePic: null };

describe('renderPage (pure)', () => {
  it('is deterministic for the same view', () => {
    const view: PageView = { identity: zoe, rawHeaders: ['Host', 'x'], options: {} };
    expect(renderPage(view)).toBe(renderPage({ ...view, options: {} }));
  });

  it('picks the view from identity and forbidden', () => {
    expect(pageKind({ identity: stranger })).toBe('stranger');
    expect(pageKind({ identity: zoe })).toBe('friend');
    expect(pageKind({ identity: zoe, forbidden: true })).toBe('forbidden');
  });

  it('renders raw headers in arrival order, keeping their case', () => {
    const html = renderPage({ identity: stranger, rawHeaders: ['Host', 'a', 'X-B', 'b', 'x-b', 'c'], options: {} });
    expect(html).toContain('<li><b>Host</b>: a</li>\n<li><b>X-B</b>: b</li>\n<li><b>x-b</b>: c</li>');
  });

  it('escapes the invite link and TAILSCALE_URL attributes', () => {
    const html = renderPage({
      identity: stranger,
      rawHeaders: [],
      options: { inviteLink: 'https://x.example/?a="><script>', tailscaleUrl: 'https://d.example/"x' },
    });
    expect(html).not.toContain('<script');
    expect(html).toContain('href="https://x.example/?a=&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('<meta property="og:image" content="https://d.example/&quot;x/static/social.png">');
  });

  it('is pure ASCII for an ASCII visitor (a one-byte string, cheap to build and write)', () => {
    for (const identity of [stranger, { ...zoe, name: 'Zoe' }]) {
      const html = renderPage({ identity, rawHeaders: ['Host', 'x'], options: { inviteLink: 'https://x.example/' } });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that every byte is ASCII
      expect(html).toMatch(/^[\x00-\x7f]*$/);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that every byte is ASCII
    expect(renderPage({ identity: { ...zoe, name: 'Zoe' }, rawHeaders: [], options: {}, forbidden: true })).toMatch(/^[\x00-\x7f]*$/);
  });

  it('is a complete document with one style element allowed by STYLE_CSP_SOURCE', () => {
    const html = renderPage({ identity: zoe, rawHeaders: [], options: {} });
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html).toContain(`<style>${STYLE}</style>`);
    expect(STYLE_CSP_SOURCE).toBe(`'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`);
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five HTML specials and nothing else', () => {
    expect(escapeHtml(`<a href="x">'&'</a> ü`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; ü');
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('displayName falls back to whichever part is present', () => {
    expect(displayName('Zoë', 'zoe@x')).toBe('Zoë (zoe@x)');
    expect(displayName('', 'zoe@x')).toBe('zoe@x');
    expect(displayName('Zoë', '')).toBe('Zoë');
  });
});

describe('initials and projector mode', () => {
  it('initials: first letters of the first and last word of the name, else of the login', () => {
    expect(initials('Zoë Ñúñez', 'zoe@example.com')).toBe('ZÑ');
    expect(initials('ada augusta lovelace', '')).toBe('AL');
    expect(initials('', 'zoe@example.com')).toBe('Z');
    expect(initials('', 'alice')).toBe('A');
    expect(initials('Ölaf', '')).toBe('Ö');
    expect(initials('🎉', '')).toBe('?');
  });

  it('typedUrl: the address as a person types it from a projector (https:// and a trailing slash dropped)', () => {
    expect(typedUrl('https://demo2026.tail8c2f1.ts.net/')).toBe('demo2026.tail8c2f1.ts.net');
    expect(typedUrl(' https://demo.example.ts.net ')).toBe('demo.example.ts.net');
    expect(typedUrl('http://demo.headscale.test')).toBe('http://demo.headscale.test'); // a browser would try https
  });

  it('projector mode: no button named, the short address to type (only when the page is public), the normal view unchanged', () => {
    const invite = 'https://login.tailscale.com/admin/invite/x';
    const url = 'https://demo.example.ts.net/';
    const view = (options: PageView['options'], booth: boolean) => renderPage({ identity: stranger, rawHeaders: [], options, booth });
    const funnelled = view({ inviteLink: invite, tailscaleUrl: url, funnel: true }, true);
    expect(funnelled).not.toMatch(/press the button/);
    expect(funnelled).toContain('scan the code (or type the address under it)');
    expect(funnelled).toContain('<figcaption>Scan to join, or type<br><b class="short">demo.example.ts.net</b></figcaption>');
    expect(funnelled).toContain('open <b class="short">demo.example.ts.net</b>.');
    const tailnetOnly = view({ inviteLink: invite, tailscaleUrl: url }, true);
    expect(tailnetOnly).toContain('<li><b>Join:</b> scan the code, accept the invite');
    expect(tailnetOnly).toContain('<figcaption>Scan to join</figcaption>');
    const normal = view({ inviteLink: invite, tailscaleUrl: url, funnel: true }, false);
    expect(normal).toContain('scan the code or press the button');
    expect(normal).toContain('open <b>https://demo.example.ts.net</b>.');
  });

  it('wantsBooth: a booth query parameter, with or without a value', () => {
    expect(wantsBooth('/?booth')).toBe(true);
    expect(wantsBooth('/?booth=1')).toBe(true);
    expect(wantsBooth('/?a=1&booth')).toBe(true);
    expect(wantsBooth('/')).toBe(false);
    expect(wantsBooth('/?boothy')).toBe(false);
    expect(wantsBooth(undefined)).toBe(false);
  });

  it('the stranger view with an invite link stays ASCII and carries the QR code as one inline <svg>', () => {
    const html = renderPage({ identity: stranger, rawHeaders: [], options: { inviteLink: 'https://x.example/i/abc', funnel: true } });
    expect(html.match(/<svg [^>]*role="img" aria-label="QR code of the invite link"/g)).toHaveLength(1);
    // No style attribute anywhere: the CSP allows only the one hashed stylesheet.
    expect(html).not.toMatch(/\sstyle=/);
  });
});
