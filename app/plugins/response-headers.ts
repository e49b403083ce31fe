/** Decorates the response header sets (response-headers.ts) on the instance as `responseHeaders`. */
import fp from 'fastify-plugin';
import { type ResponseHeaders, responseHeaders } from '../response-headers.js';

export type { ResponseHeaders } from '../response-headers.js';

declare module 'fastify' {
  interface FastifyInstance {
    responseHeaders: ResponseHeaders;
  }
}

export default fp(
  async (root) => {
    root.decorate('responseHeaders', responseHeaders());
  },
  { name: 'response-headers' },
);
