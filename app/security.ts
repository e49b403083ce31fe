/**
 * Security headers from @fastify/helmet, computed once.
 *
 * @fastify/helmet builds a new helmet middleware on every request (it calls `helmet(options)` in its
 * onRequest hook), which halved this app's req/s. The headers depend only on the options, so we run
 * @fastify/helmet once on a private Fastify instance, record exactly what it sets, and replay those
 * headers on every response: same headers, no per-request cost.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import { STYLE_CSP_SOURCE } from './page.js';

export const helmetOptions: FastifyHelmetOptions = {
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
export const imageHelmetOptions: FastifyHelmetOptions = {
  ...helmetOptions,
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

export type HeaderSet = Readonly<Record<string, string>>;

async function probe(options: FastifyHelmetOptions | null): Promise<Record<string, string | string[] | number | undefined>> {
  const app = Fastify({ logger: false });
  if (options) await app.register(helmet, options);
  app.get('/', (_request, reply) => {
    reply.send('');
  });
  try {
    return (await app.inject({ method: 'GET', url: '/' })).headers;
  } finally {
    await app.close();
  }
}

const computed = new Map<FastifyHelmetOptions, Promise<HeaderSet>>();

/** The headers @fastify/helmet adds with these options (lower-case names), memoised per options object. */
export function helmetHeaders(options: FastifyHelmetOptions): Promise<HeaderSet> {
  let headers = computed.get(options);
  if (!headers) {
    headers = Promise.all([probe(null), probe(options)]).then(([plain, withHelmet]) => {
      const added: Record<string, string> = {};
      for (const [name, value] of Object.entries(withHelmet)) {
        if (name in plain || value === undefined) continue;
        added[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      return Object.freeze(added);
    });
    computed.set(options, headers);
  }
  return headers;
}
