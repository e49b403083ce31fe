/**
 * The HTML of the demo's views. Pure: takes an already computed identity, the request's raw headers
 * and the page options, and returns a string. Every interpolated value is HTML-escaped.
 *
 * The stylesheet is one constant, so the CSP can allow it by hash (STYLE_CSP_SOURCE) instead of
 * 'unsafe-inline' or a per-request nonce.
 */
import { createHash } from 'node:crypto';
import type { Identity } from './identity.js';

export interface PageOptions {
  /** DEMO_INVITE_LINK: shown to strangers as a "join" link when set. */
  inviteLink?: string | undefined;
  /** TAILSCALE_URL: public URL of the node, used for og:url and the absolute og:image. */
  tailscaleUrl?: string | undefined;
}

export interface PageView {
  identity: Pick<Identity, 'identified' | 'login' | 'name' | 'profilePic'>;
  /** The request's headers in arrival order, flat `[name, value, name, value, ...]` (node's `rawHeaders`). */
  rawHeaders: readonly string[];
  options: PageOptions;
  /** An identified visitor the access filters turned away: render the 403 page. */
  forbidden?: boolean;
}

export type PageKind = 'stranger' | 'friend' | 'forbidden';

const TITLE = 'Tailscale identity headers demo';
const DESCRIPTION = 'A web page that knows who you are without a login form: Tailscale serve tells it through identity headers.';
const SOCIAL_IMAGE_PATH = '/static/social.png';

/**
 * 🤠 👯 🙅 as character references: the template stays ASCII, so V8 keeps the page a one-byte string
 * (cheaper to build, measure and write) unless a visitor's name needs more.
 */
const EMOJI = { stranger: '&#x1F920;', friend: '&#x1F46F;', forbidden: '&#x1F645;' } as const;

const ESCAPABLE = /[&<>"']/;
const ESCAPABLE_ALL = /[&<>"']/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return ESCAPABLE.test(value) ? value.replace(ESCAPABLE_ALL, (c) => ENTITIES[c]!) : value;
}

export const STYLE = [
  ':root{color-scheme:light}',
  '*{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;font:18px/1.5 Menlo,Consolas,Monaco,"Liberation Mono","DejaVu Sans Mono","Lucida Console",monospace}',
  'body.stranger,body.forbidden{background-color:#f2e5bc;color:#282828}',
  'body.friend{background-color:#228B22;color:#fff}',
  'main{max-width:800px;margin:0 auto;padding:2rem 1rem}',
  '.emoji{text-align:center;font-size:4em;line-height:1.2;margin:.3em 0}',
  'h1{font-size:1.35em;line-height:1.35;text-align:center;margin:0 0 1em}',
  '.avatar{display:block;width:96px;height:96px;margin:0 auto 1em;border-radius:50%;border:3px solid currentColor;object-fit:cover}',
  'a{color:inherit;font-weight:bold}',
  'details{margin-top:2.5em;font-size:.8em}',
  'summary{cursor:pointer}',
  '#headers-list{list-style-type:square;overflow-wrap:anywhere}',
].join('\n');

/** The CSP source that allows exactly STYLE, e.g. `'sha256-...'`. */
export const STYLE_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** TAILSCALE_URL without trailing slashes, so joining a path never makes `//`. */
function baseUrl(tailscaleUrl: string): string {
  return tailscaleUrl.trim().replace(/\/+$/, '');
}

interface Precomputed {
  head: string;
  strangerBody: string;
  friendText: string;
  forbiddenText: string;
}

function precompute(options: PageOptions): Precomputed {
  const meta = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(TITLE)}</title>`,
    `<meta property="og:title" content="${escapeHtml(TITLE)}">`,
    '<meta property="og:type" content="website">',
    `<meta property="og:description" content="${escapeHtml(DESCRIPTION)}">`,
  ];
  if (options.tailscaleUrl?.trim()) {
    const base = baseUrl(options.tailscaleUrl);
    meta.push(
      `<meta property="og:url" content="${escapeHtml(base)}">`,
      `<meta property="og:image" content="${escapeHtml(base + SOCIAL_IMAGE_PATH)}">`,
      '<meta property="og:image:width" content="1200">',
      '<meta property="og:image:height" content="630">',
    );
  }
  meta.push('<meta name="twitter:card" content="summary_large_image">', `<style>${STYLE}</style>`);
  const head = `<!DOCTYPE html>\n<html lang="en">\n<head>\n${meta.join('\n')}\n</head>\n`;

  const invite = options.inviteLink
    ? `<p>Want to see the other side? <a href="${escapeHtml(options.inviteLink)}" target="_blank" rel="noopener noreferrer">Accept this invite</a> to add the node to your tailnet, log in to Tailscale, and come back here over your tailnet.</p>\n`
    : '';
  const strangerBody =
    `<p class="emoji">${EMOJI.stranger}</p>\n<h1>Howdy, internet stranger!</h1>\n` +
    "<p>This page demonstrates Tailscale's identity headers. It runs on a node that is shared with " +
    'other tailnets and funnelled to the public internet, so anyone can load it, but only visitors who ' +
    'arrive over a tailnet are greeted by name. Nobody told this page who you are, so you get the ' +
    'stranger view.</p>\n' +
    invite;
  const friendText =
    '<p>You reached this node over your tailnet, so Tailscale serve added headers to your request ' +
    'saying who you are. That is all this page needs to greet you: no login form, no cookie. The headers ' +
    'come only with tailnet traffic; remove the shared node and you are a stranger again.</p>\n';
  const forbiddenText =
    '<p>Tailscale told this page who you are, but this demo node only greets a list of allowed users ' +
    'and domains, and your login is not on it. If you think it should be, ask whoever shared the node ' +
    'with you.</p>\n';
  return { head, strangerBody, friendText, forbiddenText };
}

const cache = new WeakMap<PageOptions, Precomputed>();

function parts(options: PageOptions): Precomputed {
  let p = cache.get(options);
  if (!p) {
    p = precompute(options);
    cache.set(options, p);
  }
  return p;
}

export function pageKind(view: Pick<PageView, 'identity' | 'forbidden'>): PageKind {
  if (view.forbidden) return 'forbidden';
  return view.identity.identified ? 'friend' : 'stranger';
}

/** "Zoë (zoe@example.com)", or whichever of the two is present. */
export function displayName(name: string, login: string): string {
  if (name && login) return `${name} (${login})`;
  return name || login;
}

function headersList(rawHeaders: readonly string[]): string {
  let items = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    items += `<li><b>${escapeHtml(rawHeaders[i]!)}</b>: ${escapeHtml(rawHeaders[i + 1]!)}</li>\n`;
  }
  return `<details><summary>See all incoming headers</summary>\n<ul id="headers-list">\n${items}</ul>\n</details>\n`;
}

function avatar(profilePic: string | null): string {
  return profilePic
    ? `<img class="avatar" src="${escapeHtml(profilePic)}" alt="Your profile picture" width="96" height="96" referrerpolicy="no-referrer">\n`
    : '';
}

/** The whole HTML document for one request. Same options object each call = cached static parts. */
export function renderPage(view: PageView): string {
  const p = parts(view.options);
  const kind = pageKind(view);
  const { name, login, profilePic } = view.identity;
  let body: string;
  if (kind === 'stranger') {
    body = p.strangerBody;
  } else if (kind === 'friend') {
    body =
      `<p class="emoji">${EMOJI.friend}</p>\n` +
      avatar(profilePic) +
      `<h1>Now we're friends, ${escapeHtml(displayName(name, login))}!</h1>\n` +
      p.friendText;
  } else {
    body =
      `<p class="emoji">${EMOJI.forbidden}</p>\n` +
      `<h1>Sorry, ${escapeHtml(displayName(name, login))}: you are not on this demo's guest list.</h1>\n` +
      p.forbiddenText;
  }
  return `${p.head}<body class="${kind}">\n<main>\n${body}${headersList(view.rawHeaders)}</main>\n</body>\n</html>\n`;
}
