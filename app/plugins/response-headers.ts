/**
 * The response header sets, built once at startup and decorated on the instance as
 * `responseHeaders`: helmet's headers (computed once, not per request: see security.ts) plus each
 * kind of response's own.
 */
import fp from 'fastify-plugin';
import { helmetHeaders, helmetOptions, imageHelmetOptions, type HeaderSet } from '../security.js';

export interface ResponseHeaders {
  /** The page: no caching. */
  html: HeaderSet;
  /** /whoami, /healthz, 404 and errors (fastify adds the JSON content-type). */
  json: HeaderSet;
  /** /static files, loadable cross-origin (the social card), cached for an hour. */
  image: HeaderSet;
}

declare module 'fastify' {
  interface FastifyInstance {
    responseHeaders: ResponseHeaders;
  }
}

export default fp(
  async (root) => {
    const security = await helmetHeaders(helmetOptions);
    const imageSecurity = await helmetHeaders(imageHelmetOptions);
    const headers: ResponseHeaders = {
      html: { ...security, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      json: { ...security, 'cache-control': 'no-store' },
      image: { ...imageSecurity, 'cache-control': 'public, max-age=3600' },
    };
    root.decorate('responseHeaders', headers);
  },
  { name: 'response-headers' },
);
