/**
 * The routes answered on node's req/res: the page, /healthz, /whoami and /static files. server.ts answers
 * them before (and without) Fastify, so an idle event's app never loads Fastify (bench/README.md: Fastify
 * is ~10 MB of an idle app); Fastify's routes for the same paths call the same handlers (routes/*.ts), so
 * both ways give the same bodies and headers. Per request only what the response needs: header lists built
 * once, no closures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderPage, wantsBooth, type PageOptions } from './page.js';
import type { ResponseHeaders } from './response-headers.js';
import type { StaticFile } from './static-files.js';
import type { Visitor } from './visit.js';

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the handlers log to (pino's, or Fastify's, which is pino). */
export interface ErrorLog {
  error(details: object, message: string): void;
}

export interface RawRouteParts {
  visit: Visitor;
  log: ErrorLog;
  headers: ResponseHeaders;
  pageOptions: PageOptions;
  staticFiles: ReadonlyMap<string, StaticFile>;
}

export interface RawRoutes {
  page: RawHandler;
  health: RawHandler;
  whoami: RawHandler;
  /** The 404 of a path no route has (Fastify's not-found handler sends the same: plugins/errors.ts). */
  notFound: RawHandler;
  /** Serves the file of that name; false (nothing sent) when there is none. */
  staticFile: (name: string, req: IncomingMessage, res: ServerResponse) => boolean;
}

/** GET or HEAD of the page (any query string). */
export function isPageRequest(req: IncomingMessage): boolean {
  const { method, url } = req;
  return (method === 'GET' || method === 'HEAD') && (url === '/' || url?.startsWith('/?') === true);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The body of a 404, whoever answers it. */
export function notFoundBody(method: string | undefined, url: string | undefined): { statusCode: 404; error: string; message: string } {
  return { statusCode: 404, error: 'Not Found', message: `${method} ${url} not found` };
}
const ERROR_BODY = JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });

/** Flat [name, value, ...] for writeHead: cheaper to copy per request than spreading an object. */
function headerList(headers: Readonly<Record<string, string>>, ...more: string[]): string[] {
  return [...Object.entries(headers).flat(), ...more];
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: string[], body: string | Buffer): void {
  const list = headers.slice();
  list.push('content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, list);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function rawRoutes({ visit, log, headers, pageOptions, staticFiles }: RawRouteParts): RawRoutes {
  const html = headerList(headers.html);
  const json = headerList(headers.json, 'content-type', JSON_TYPE);
  const image = headerList(headers.image);
  const healthBody = JSON.stringify({ status: 'ok' });

  /** A handler that fails answers a 500 with the security headers; the details go to the log only. */
  const guarded =
    (handle: RawHandler): RawHandler =>
    (req, res) => {
      try {
        handle(req, res);
      } catch (err) {
        log.error({ err, url: req.url }, 'request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        send(req, res, 500, json, ERROR_BODY);
      }
    };

  return {
    page: guarded((req, res) => {
      const { identity, forbidden } = visit(req);
      const booth = req.url !== '/' && wantsBooth(req.url);
      send(
        req,
        res,
        forbidden ? 403 : 200,
        html,
        renderPage({ identity, rawHeaders: req.rawHeaders, options: pageOptions, forbidden, booth }),
      );
    }),
    health: (req, res) => send(req, res, 200, json, healthBody),
    notFound: (req, res) => send(req, res, 404, json, JSON.stringify(notFoundBody(req.method, req.url))),
    whoami: guarded((req, res) => {
      const { identity, forbidden } = visit(req);
      const { identified, login, name, profilePic, funnel } = identity;
      send(req, res, forbidden ? 403 : 200, json, JSON.stringify({ identified, login, name, profilePic, funnel }));
    }),
    staticFile: (name, req, res) => {
      const file = staticFiles.get(name);
      if (!file) return false;
      send(req, res, 200, [...image, 'content-type', file.contentType], file.body);
      return true;
    },
  };
}

/**
 * The requests `routes` answer without Fastify: every GET and HEAD (the page, /healthz, /whoami, a /static
 * file, and the 404 of any other path: a browser's /favicon.ico must not load Fastify). False for other
 * methods (POST, OPTIONS, …): Fastify's, which knows no route for them either and answers the same 404s.
 */
export function answerWithout(routes: RawRoutes): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (isPageRequest(req)) {
      routes.page(req, res);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/healthz') routes.health(req, res);
    else if (path === '/whoami') routes.whoami(req, res);
    else if (!(path.startsWith('/static/') && routes.staticFile(staticName(path), req, res))) routes.notFound(req, res);
    return true;
  };
}

/** `/static/<name>` → the name, decoded like a route parameter ('' when it cannot be decoded: no such file). */
function staticName(path: string): string {
  try {
    return decodeURIComponent(path.slice('/static/'.length));
  } catch {
    return '';
  }
}
