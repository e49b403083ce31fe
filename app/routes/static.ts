/** GET /static/:file: the files of app/static (social.png), loaded once and served from memory. */
import fp from 'fastify-plugin';
import { loadStaticFiles, resolveStaticDir } from '../static-files.js';

export interface StaticRouteOptions {
  /** Directory with social.png; default: found next to the entry script (see static-files.ts). */
  staticDir?: string | undefined;
}

export default fp(
  async (root, options: StaticRouteOptions) => {
    const staticDir = resolveStaticDir(options.staticDir);
    const files = loadStaticFiles(staticDir);
    if (!files.has('social.png')) root.log.warn({ staticDir }, 'social.png not found; /static/social.png will 404');
    const { image } = root.responseHeaders;
    root.get<{ Params: { file: string } }>('/static/:file', (request, reply) => {
      const file = files.get(request.params.file);
      if (!file) {
        reply.callNotFound();
        return;
      }
      reply.headers(image).header('content-type', file.contentType).send(file.body);
    });
  },
  { name: 'route-static', decorators: { fastify: ['responseHeaders'] } },
);
