/** GET /static/:file: the files of app/static (social.png), held in memory, answered by raw-routes.ts. */
import fp from 'fastify-plugin';

export default fp(
  async (root) => {
    const { staticFile } = root.rawRoutes;
    root.get<{ Params: { file: string } }>('/static/:file', (request, reply) => {
      // 404s go through fastify's not-found handler like every other unknown path
      if (!staticFile(request.params.file, request.raw, reply.raw)) reply.callNotFound();
      else reply.hijack();
    });
  },
  { name: 'route-static', decorators: { fastify: ['rawRoutes'] } },
);
