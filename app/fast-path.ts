/**
 * The hot path when the Fastify app itself listens (tests; server.ts answers these routes before Fastify
 * is even loaded): serverFactory hands the requests raw-routes.ts answers straight to their handlers,
 * skipping fastify's routing and reply pipeline. Everything else, and inject(), goes through fastify,
 * whose routes call the same handlers (decorated on the instance as `rawRoutes`).
 */
import { createServer } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerFactory } from 'fastify';
import fp from 'fastify-plugin';
import type { PageOptions } from './page.js';
import { answerWithout, type RawHandler, type RawRoutes, rawRoutes } from './raw-routes.js';
import type { StaticFile } from './static-files.js';

export { isPageRequest, type RawHandler } from './raw-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The handlers on node's req/res (raw-routes.ts): the fast path and fastify's routes alike. */
    rawRoutes: RawRoutes;
    /** Serves the page on node's req/res (the fast path and the GET / route). */
    servePage: RawHandler;
  }
}

export interface FastPathOptions {
  pageOptions: PageOptions;
  staticFiles: ReadonlyMap<string, StaticFile>;
}

export interface FastPath {
  /** For Fastify's serverFactory option: node's server, the raw routes taken before fastify once built. */
  serverFactory: FastifyServerFactory;
  /** Builds the raw routes (after `visit` and `responseHeaders`), decorates them, and arms the fast path. */
  plugin: FastifyPluginAsync<FastPathOptions>;
}

export function createFastPath(): FastPath {
  /** Set once the security headers are computed (before listening). */
  let answer: ((req: Parameters<RawHandler>[0], res: Parameters<RawHandler>[1]) => boolean) | undefined;
  return {
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (answer === undefined || !answer(req, res)) handler(req, res);
      }),
    plugin: fp(
      async (root: FastifyInstance, { pageOptions, staticFiles }: FastPathOptions) => {
        const routes = rawRoutes({ visit: root.visit, log: root.log, headers: root.responseHeaders, pageOptions, staticFiles });
        root.decorate('rawRoutes', routes);
        root.decorate('servePage', routes.page);
        answer = answerWithout(routes);
      },
      { name: 'page-fast-path', decorators: { fastify: ['visit', 'responseHeaders'] } },
    ),
  };
}
