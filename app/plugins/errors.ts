/**
 * 404 and error replies: JSON with the security headers. Registered before the routes, so every
 * route's context gets this error handler.
 */
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import { notFoundBody } from '../raw-routes.js';

export default fp(
  async (root) => {
    const { json } = root.responseHeaders;

    root.setNotFoundHandler((request, reply) => {
      reply.headers(json).code(404).send(notFoundBody(request.method, request.url));
    });

    root.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
      const label = STATUS_CODES[status] ?? 'Error';
      // 5xx details stay in the log, not in the response.
      const message = status >= 500 ? label : String(error.message ?? label);
      reply.headers(json).code(status).send({ statusCode: status, error: label, message });
    });
  },
  { name: 'errors', decorators: { fastify: ['responseHeaders'] } },
);
