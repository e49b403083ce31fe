/** GET /healthz: {"status":"ok"} (the container's health check). */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    const { json } = root.responseHeaders;
    root.get('/healthz', (_request, reply) => {
      reply.headers(json).send({ status: 'ok' });
    });
  },
  { name: 'route-health', decorators: { fastify: ['responseHeaders'] } },
);
