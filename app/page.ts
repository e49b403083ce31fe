/**
 * The HTML of the demo's views. Pure: takes an already computed identity, the request's raw headers
 * and the page options, and returns a string. Every interpolated value is HTML-escaped.
 *
 * The stylesheet is one constant, so the CSP can allow it by hash (STYLE_CSP_SOURCE) instead of
 * 'unsafe-inline' or a per-request nonce.
 */
import { createHash } from 'node:crypto';
import { IDENTITY_HEADER_NAMES, decodeHeaderText, type Identity } from './identity.js';
import { qrSvg } from './qr.js';

export interface PageOptions {
  /** DEMO_INVITE_LINK: strangers get a button and a QR code to join when set, else "ask at the booth". */
  inviteLink?: string | undefined;
  /** TAILSCALE_URL: public URL of the node, used for og:url, the absolute og:image and the steps. */
  tailscaleUrl?: string | undefined;
  /** TAILSCALE_FUNNEL defined: the node is on the public internet, and the texts say so. */
  funnel?: boolean | undefined;
}

export interface PageView {
  identity: Pick<Identity, 'identified' | 'login' | 'name' | 'profilePic'>;
  /** The request's headers in arrival order, flat `[name, value, name, value, ...]` (node's `rawHeaders`). */
  rawHeaders: readonly string[];
  options: PageOptions;
  /** An identified visitor the access filters turned away: render the 403 page. */
  forbidden?: boolean;
  /** Projector mode (`?booth`): large type and a large QR code, readable from 3 m. */
  booth?: boolean;
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
  'h1{font-size:1.35em;line-height:1.35;text-align:center;margin:0 0 1em;overflow-wrap:anywhere}',
  'h2{font-size:1em;margin:2em 0 .5em}',
  // The avatar: initials in a circle, the picture (if any) on top. No script decides: a picture that
  // fails renders as a broken image, whose ::after (drawn only for a broken image) covers the
  // broken-image icon with the same initials; alt="" leaves no alt text to spill out of the circle.
  // #4ea24e is 20% white over the friend view's #228B22.
  '.avatar{position:relative;display:block;width:96px;height:96px;margin:0 auto 1em;border-radius:50%;border:3px solid currentColor;overflow:hidden;background-color:#4ea24e}',
  '.initials,.avatar img::after{display:flex;align-items:center;justify-content:center;width:100%;height:100%;font-size:36px;font-weight:bold;line-height:1}',
  '.avatar img{position:absolute;top:0;left:0;width:100%;height:100%;object-fit:cover}',
  '.avatar img::after{content:attr(data-initials);position:absolute;top:0;left:0;background-color:#4ea24e}',
  'a{color:inherit;font-weight:bold}',
  '.button{display:inline-block;padding:.6em 1.2em;border-radius:.4em;background-color:#282828;color:#f2e5bc;text-decoration:none;text-align:center}',
  '.join{text-align:center;margin:1.5em 0}',
  '.steps{padding-left:1.6em}',
  '.steps li{margin:.4em 0}',
  '.qr{margin:1.5em auto;text-align:center}',
  '.qr svg{display:block;width:min(240px,70vw);height:auto;margin:0 auto}',
  '.qr figcaption{font-size:.8em}',
  '.ask{border:2px dashed currentColor;padding:.8em 1em}',
  // The identity the headers carried, highlighted: a light card on the green page.
  '.identity{background-color:#fff;color:#282828;border-radius:.4em;padding:.2em 1em;margin:1.5em 0;overflow-wrap:anywhere}',
  '.identity h2{margin-top:.8em}',
  '.identity dt{font-weight:bold;margin-top:.8em}',
  '.identity dd{margin:0 0 .8em 1em}',
  '.identity .raw{display:block;font-size:.8em}',
  'details{margin-top:2.5em;font-size:.8em}',
  'summary{cursor:pointer}',
  '#headers-list{list-style-type:square;overflow-wrap:anywhere}',
  // Projector mode (?booth): type and QR code sized from the screen, readable from 3 m.
  'body.booth{font-size:max(18px,2.2vw)}',
  '.booth main{max-width:none;padding:3vh 4vw 1rem}',
  // An emoji's glyph is taller than the text's: a line of its own height keeps all of it on the screen.
  '.booth .emoji{font-size:3em;line-height:1.5;margin:0}',
  '.booth h1{font-size:1.6em;margin-bottom:.5em}',
  '.booth .steps{margin-top:0}',
  // The caption wraps under the code rather than widening its column (the text beside it would wrap more).
  '.booth .qr{width:min(62vh,80vw)}',
  '.booth .short{overflow-wrap:anywhere}',
  '.booth .qr svg{width:min(62vh,80vw)}',
  '.booth .avatar{width:20vh;height:20vh}',
  '.booth .initials{font-size:8vh}',
  // On the projector: the greeting, the QR code and the steps; nobody clicks a button on a wall.
  '.booth details,.booth .intro,.booth .join{display:none}',
  // Landscape: the QR code beside the text. It spans every row, and the last row (1fr) takes what it adds
  // to their height, so no gap opens between the heading and the steps.
  '@media (min-width:900px) and (orientation:landscape){.booth .stranger-body{display:grid;grid-template-columns:1fr auto;grid-template-rows:auto auto auto 1fr;gap:0 4vw;align-items:start}.booth .qr{grid-column:2;grid-row:1/-1;margin:0}}',
].join('\n');

/** The CSP source that allows exactly STYLE, e.g. `'sha256-...'`. */
export const STYLE_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** TAILSCALE_URL without trailing slashes, so joining a path never makes `//`. */
function baseUrl(tailscaleUrl: string): string {
  return tailscaleUrl.trim().replace(/\/+$/, '');
}

/** `?booth` (or `?booth=...`, `?x&booth`) in a request URL: projector mode. */
export function wantsBooth(url: string | undefined): boolean {
  const q = url?.indexOf('?') ?? -1;
  return q !== -1 && new URLSearchParams(url!.slice(q + 1)).has('booth');
}

interface Precomputed {
  head: string;
  strangerBody: string;
  /** The stranger's view on a projector (`?booth`). */
  boothStrangerBody: string;
  friendText: string;
  forbiddenText: string;
}

/**
 * The event's URL as a person types it from a projector: without `https://` (a browser adds it) or a
 * trailing slash; an http:// URL keeps its scheme (a browser would try https first).
 */
export function typedUrl(url: string): string {
  const base = baseUrl(url);
  return base.startsWith('https://') ? base.slice('https://'.length) : base;
}

/** The stranger's view; on a projector (`booth`) nobody presses a button, so the texts say what to scan or type. */
function strangerBody(options: PageOptions, booth: boolean): string {
  const invite = options.inviteLink?.trim() || '';
  const url = options.tailscaleUrl?.trim() ? baseUrl(options.tailscaleUrl) : '';
  const where = options.funnel
    ? 'It runs on a node that is shared with other tailnets and funnelled to the public internet, so anyone can load it'
    : 'It runs on a node that is shared with other tailnets (Funnel is off: it is not on the public internet)';
  const intro =
    `<p class="intro">This page demonstrates Tailscale's identity headers. ${where}, but only visitors who arrive over ` +
    'a tailnet are greeted by name. Nobody told this page who you are, so you get the stranger view.</p>\n';
  const shown = booth && url ? `<b class="short">${escapeHtml(typedUrl(url))}</b>` : `<b>${escapeHtml(url)}</b>`;
  const openAgain = url ? `open ${shown}` : 'open this page again';
  // With Funnel on, the page (and its button) is public: its short address is a way in for whoever cannot scan.
  const typeable = booth && invite && url && options.funnel;
  const join = !invite
    ? '<li><b>Join:</b> ask at the booth for an invite to this demo, accept it and log in to Tailscale.</li>\n'
    : !booth
      ? '<li><b>Join:</b> scan the code or press the button, accept the invite and log in to Tailscale.</li>\n'
      : typeable
        ? '<li><b>Join:</b> scan the code (or type the address under it), accept the invite and log in to Tailscale.</li>\n'
        : '<li><b>Join:</b> scan the code, accept the invite and log in to Tailscale.</li>\n';
  const steps =
    '<ol class="steps">\n' +
    join +
    `<li><b>Open it over your tailnet:</b> with Tailscale on, ${openAgain}.</li>\n` +
    '<li><b>See your name:</b> the page greets you by name, from the headers Tailscale adds.</li>\n' +
    '</ol>\n';
  const caption = typeable ? `Scan to join, or type<br>${shown}` : 'Scan to join';
  const button = invite
    ? `<p class="join"><a class="button" href="${escapeHtml(invite)}" target="_blank" rel="noopener noreferrer">Accept this invite</a></p>\n` +
      `<figure class="qr">${qrSvg(invite, 'QR code of the invite link')}<figcaption>${caption}</figcaption></figure>\n`
    : '<p class="ask">This event has no invite link online: ask at the booth, and someone will share the demo with you.</p>\n';
  return (
    `<div class="stranger-body">\n<p class="emoji">${EMOJI.stranger}</p>\n<h1>Howdy, internet stranger!</h1>\n` +
    `${intro}${button}${steps}</div>\n`
  );
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
  // A large-image card only with an image to show (the image needs an absolute URL: TAILSCALE_URL).
  let card = 'summary';
  if (options.tailscaleUrl?.trim()) {
    const base = baseUrl(options.tailscaleUrl);
    meta.push(
      `<meta property="og:url" content="${escapeHtml(base)}">`,
      `<meta property="og:image" content="${escapeHtml(base + SOCIAL_IMAGE_PATH)}">`,
      '<meta property="og:image:width" content="1200">',
      '<meta property="og:image:height" content="630">',
    );
    card = 'summary_large_image';
  }
  meta.push(`<meta name="twitter:card" content="${card}">`, `<style>${STYLE}</style>`);
  const head = `<!DOCTYPE html>\n<html lang="en">\n<head>\n${meta.join('\n')}\n</head>\n`;

  const friendText =
    '<p>You reached this node over your tailnet, so Tailscale serve added headers to your request ' +
    'saying who you are. That is all this page needs to greet you: no login form, no cookie. The headers ' +
    'come only with tailnet traffic; remove the shared node and you are a stranger again.</p>\n';
  const forbiddenText =
    '<p>Tailscale told this page who you are, but this demo node only greets a list of allowed users ' +
    'and domains, and your login is not on it. If you think it should be, ask whoever shared the node ' +
    'with you.</p>\n';
  return { head, strangerBody: strangerBody(options, false), boothStrangerBody: strangerBody(options, true), friendText, forbiddenText };
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

/** "Zoë Ñúñez" -> "ZÑ", "zoe@example.com" -> "Z": first letters of the first and last word of the name, else of the login. */
export function initials(name: string, login: string): string {
  const words = (name || login.replace(/@.*$/, '')).split(/[\s._-]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return '?';
  const letter = (w: string) => (w.match(/[\p{L}\p{N}]/u)?.[0] ?? '').toLocaleUpperCase();
  return words.length === 1 ? letter(words[0]!) : letter(words[0]!) + letter(words[words.length - 1]!);
}

/** Lower-cased names of the headers the friend view highlights. */
const HIGHLIGHTED: ReadonlySet<string> = new Set(IDENTITY_HEADER_NAMES);

function headersList(rawHeaders: readonly string[], skip: ReadonlySet<string> | null): string {
  let items = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (skip?.has(rawHeaders[i]!.toLowerCase())) continue;
    items += `<li><b>${escapeHtml(rawHeaders[i]!)}</b>: ${escapeHtml(rawHeaders[i + 1]!)}</li>\n`;
  }
  const summary = skip ? 'See the other incoming headers' : 'See all incoming headers';
  return `<details><summary>${summary}</summary>\n<ul id="headers-list">\n${items}</ul>\n</details>\n`;
}

/** The identity headers as they arrived (name: value), decoded and raw where RFC 2047 encoded them. */
function identityHeaders(rawHeaders: readonly string[]): string {
  let items = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!HIGHLIGHTED.has(rawHeaders[i]!.toLowerCase())) continue;
    const raw = rawHeaders[i + 1]!;
    const decoded = decodeHeaderText(raw);
    const value =
      decoded === raw.trim()
        ? `<span class="decoded">${escapeHtml(raw)}</span>`
        : `<span class="decoded">${escapeHtml(decoded)}</span><small class="raw">raw: <code>${escapeHtml(raw)}</code></small>`;
    items += `<dt>${escapeHtml(rawHeaders[i]!)}</dt><dd>${value}</dd>\n`;
  }
  return `<section class="identity">\n<h2>What Tailscale told this page</h2>\n<dl>\n${items}</dl>\n</section>\n`;
}

function avatar(profilePic: string | null, name: string, login: string): string {
  const letters = escapeHtml(initials(name, login));
  const img = profilePic
    ? `<img src="${escapeHtml(profilePic)}" alt="" data-initials="${letters}" width="96" height="96" referrerpolicy="no-referrer">`
    : '';
  return `<div class="avatar"><span class="initials" aria-hidden="true">${letters}</span>${img}</div>\n`;
}

/** The whole HTML document for one request. Same options object each call = cached static parts. */
export function renderPage(view: PageView): string {
  const p = parts(view.options);
  const kind = pageKind(view);
  const { name, login, profilePic } = view.identity;
  let body: string;
  let skip: ReadonlySet<string> | null = null;
  if (kind === 'stranger') {
    body = view.booth ? p.boothStrangerBody : p.strangerBody;
  } else if (kind === 'friend') {
    body =
      `<p class="emoji">${EMOJI.friend}</p>\n` +
      avatar(profilePic, name, login) +
      `<h1>Now we're friends, ${escapeHtml(displayName(name, login))}!</h1>\n` +
      p.friendText +
      identityHeaders(view.rawHeaders);
    skip = HIGHLIGHTED;
  } else {
    body =
      `<p class="emoji">${EMOJI.forbidden}</p>\n` +
      `<h1>Sorry, ${escapeHtml(displayName(name, login))}: you are not on this demo's guest list.</h1>\n` +
      p.forbiddenText;
  }
  const cls = view.booth ? `${kind} booth` : kind;
  return `${p.head}<body class="${cls}">\n<main>\n${body}${headersList(view.rawHeaders, skip)}</main>\n</body>\n</html>\n`;
}
