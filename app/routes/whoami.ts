/** GET /whoami: the identity as JSON (403 when the access filters turn the visitor away), answered by raw-routes.ts. */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    const { whoami } = root.rawRoutes;
    root.get('/whoami', (request, reply) => {
      reply.hijack();
      whoami(request.raw, reply.raw);
    });
  },
  { name: 'route-whoami', decorators: { fastify: ['rawRoutes'] } },
);
