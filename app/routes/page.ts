/** GET /: the stranger / friend / 403 page, for inject() and whatever the fast path does not take. */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    // The fast path's handler (raw-routes.ts): both ways to GET / give the same page and headers.
    const { servePage } = root;
    root.get('/', (request, reply) => {
      reply.hijack();
      servePage(request.raw, reply.raw);
    });
  },
  { name: 'route-page', decorators: { fastify: ['servePage'] } },
);
