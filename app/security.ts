/**
 * Security headers from helmet (the library @fastify/helmet runs), computed once.
 *
 * @fastify/helmet builds a new helmet middleware on every request (it calls `helmet(options)` in its
 * onRequest hook), which halved this app's req/s. The headers depend only on the options, so helmet's
 * middleware runs once at startup against a recording response, and those headers are replayed on every
 * response: same headers (test/unit/app/security.test.ts compares them with @fastify/helmet's), no
 * per-request cost, and no Fastify needed to compute them (server.ts starts without Fastify).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import { STYLE_CSP_SOURCE } from './page.js';

export const helmetOptions: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      // The page's only stylesheet, allowed by hash; no scripts at all (default-src 'none').
      styleSrc: [STYLE_CSP_SOURCE],
      // Avatars are https URLs on other hosts.
      imgSrc: ["'self'", 'https:'],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
};

/** For the social card: link-preview clients on other origins must be able to load it. */
export const imageHelmetOptions: HelmetOptions = {
  ...helmetOptions,
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

export type HeaderSet = Readonly<Record<string, string>>;

/** Run helmet's middleware once on a response that only records the headers it sets. */
function record(options: HelmetOptions): HeaderSet {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return Object.freeze(headers);
}

const computed = new Map<HelmetOptions, HeaderSet>();

/** The headers helmet sets with these options (lower-case names), memoised per options object. */
export function helmetHeaders(options: HelmetOptions): HeaderSet {
  let headers = computed.get(options);
  if (!headers) {
    headers = record(options);
    computed.set(options, headers);
  }
  return headers;
}
