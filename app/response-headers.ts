/**
 * The response header sets, built once at startup: helmet's headers (computed once, not per request: see
 * security.ts) plus each kind of response's own. Shared by the routes answered on node's request
 * (raw-routes.ts) and fastify's (plugins/response-headers.ts decorates them on the instance).
 */
import { helmetHeaders, helmetOptions, imageHelmetOptions, type HeaderSet } from './security.js';

export interface ResponseHeaders {
  /** The page: no caching. */
  html: HeaderSet;
  /** /whoami, /healthz, 404 and errors (with the JSON content-type where the body is JSON). */
  json: HeaderSet;
  /** /static files, loadable cross-origin (the social card), cached for an hour. */
  image: HeaderSet;
}

let built: ResponseHeaders | undefined;

export function responseHeaders(): ResponseHeaders {
  if (!built) {
    const security = helmetHeaders(helmetOptions);
    built = {
      html: { ...security, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      json: { ...security, 'cache-control': 'no-store' },
      image: { ...helmetHeaders(imageHelmetOptions), 'cache-control': 'public, max-age=3600' },
    };
  }
  return built;
}
