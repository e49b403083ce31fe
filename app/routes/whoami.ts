/** GET /whoami: the identity as JSON (403 when the access filters turn the visitor away). */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    const { visit } = root;
    const { json } = root.responseHeaders;
    root.get('/whoami', (request, reply) => {
      const { identity, forbidden } = visit(request.raw);
      const { identified, login, name, profilePic, funnel } = identity;
      reply.headers(json);
      if (forbidden) reply.code(403);
      reply.send({ identified, login, name, profilePic, funnel });
    });
  },
  { name: 'route-whoami', decorators: { fastify: ['visit', 'responseHeaders'] } },
);
