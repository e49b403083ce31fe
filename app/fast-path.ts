/**
 * The hot path: GET / answered on node's request before fastify routing.
 *
 * The page must stay within 10% of a bare node:http server, so serverFactory hands GET/HEAD / straight
 * to servePage, skipping fastify's routing and reply pipeline. Everything else, and inject(), goes
 * through fastify; its GET / route (routes/page.ts) calls the same servePage, decorated on the instance.
 * servePage does per request only what the page needs: no closures, header list built once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerFactory } from 'fastify';
import fp from 'fastify-plugin';
import { renderPage, wantsBooth, type PageOptions } from './page.js';

/** GET or HEAD of the page (any query string). */
export function isPageRequest(req: IncomingMessage): boolean {
  const { method, url } = req;
  return (method === 'GET' || method === 'HEAD') && (url === '/' || url?.startsWith('/?') === true);
}

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /** Serves the page on node's req/res (the fast path and the GET / route). */
    servePage: RawHandler;
  }
}

/** The page handler, from the instance's `visit` and `responseHeaders` and the page options. */
function pageHandler(root: FastifyInstance, pageOptions: PageOptions): RawHandler {
  const { visit, log } = root;
  const { html, json } = root.responseHeaders;
  // Flat [name, value, ...] for writeHead: cheaper to copy per request than spreading an object.
  const htmlHeaderList = Object.entries(html).flat();
  const errorBody = JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });
  const errorHeaderList = [...Object.entries(json).flat(), 'content-type', 'application/json; charset=utf-8'];

  return (req, res) => {
    try {
      const { identity, forbidden } = visit(req);
      const booth = req.url !== '/' && wantsBooth(req.url);
      const page = renderPage({ identity, rawHeaders: req.rawHeaders, options: pageOptions, forbidden, booth });
      const headers = htmlHeaderList.slice();
      headers.push('content-length', String(Buffer.byteLength(page)));
      res.writeHead(forbidden ? 403 : 200, headers);
      res.end(req.method === 'HEAD' ? undefined : page);
    } catch (err) {
      log.error({ err, url: req.url }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, errorHeaderList);
      res.end(errorBody);
    }
  };
}

export interface FastPathOptions {
  pageOptions: PageOptions;
}

export interface FastPath {
  /** For Fastify's serverFactory option: node's server, GET / taken before fastify once servePage is set. */
  serverFactory: FastifyServerFactory;
  /** Builds servePage (after `visit` and `responseHeaders`), decorates it, and arms the fast path. */
  plugin: FastifyPluginAsync<FastPathOptions>;
}

export function createFastPath(): FastPath {
  /** Set once the security headers are computed (before listening). */
  let servePage: RawHandler | undefined;
  return {
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (servePage !== undefined && isPageRequest(req)) servePage(req, res);
        else handler(req, res);
      }),
    plugin: fp(
      async (root: FastifyInstance, { pageOptions }: FastPathOptions) => {
        servePage = pageHandler(root, pageOptions);
        root.decorate('servePage', servePage);
      },
      { name: 'page-fast-path', decorators: { fastify: ['visit', 'responseHeaders'] } },
    ),
  };
}
