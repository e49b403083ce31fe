/** GET /healthz: {"status":"ok"} (the container's health check), answered by raw-routes.ts. */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    const { health } = root.rawRoutes;
    root.get('/healthz', (request, reply) => {
      reply.hijack();
      health(request.raw, reply.raw);
    });
  },
  { name: 'route-health', decorators: { fastify: ['rawRoutes'] } },
);
