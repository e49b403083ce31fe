// The identity app as the image runs it, in two CommonJS files, so the container image needs only `node`
// and these (no node_modules, no npm inside the image): server.cjs (app/server.ts: node's server, the page,
// /healthz, /whoami, /static, every 404 of a GET, pino) and app.cjs (app/app.ts: the Fastify app), which server.cjs loads only
// on the first request of another method. Two files, not one: V8 keeps the source of every loaded
// script, and Fastify's part is ~1.4 MB of it (bench/README.md, bench/app). Used by scripts/bundle-app.mjs
// and the app's tests (test/unit/app/server-process.ts), so both build the same thing.
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** server.ts's `import('./app.js')` stays a require of the app.cjs next to it. */
const lazyApp = {
  name: 'lazy-app',
  setup(b) {
    b.onResolve({ filter: /^\.\/app\.js$/ }, (args) =>
      path.basename(args.importer) === 'server.ts' ? { path: './app.cjs', external: true } : undefined,
    );
  },
};

/** Bundle app/ from `root` into `outdir` (server.cjs, app.cjs, static/); returns esbuild's metafiles. */
export async function bundleApp(root, outdir) {
  await mkdir(outdir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  };
  const server = await build({
    ...common,
    entryPoints: [path.join(root, 'app/server.ts')],
    outfile: path.join(outdir, 'server.cjs'),
    plugins: [lazyApp],
    // import('./app.cjs') as a plain require: node's ESM loader would come with it (~5 MB more once loaded)
    supported: { 'dynamic-import': false },
  });
  const app = await build({ ...common, entryPoints: [path.join(root, 'app/app.ts')], outfile: path.join(outdir, 'app.cjs') });
  await cp(path.join(root, 'app/static'), path.join(outdir, 'static'), { recursive: true });
  return { server: server.metafile, app: app.metafile };
}
