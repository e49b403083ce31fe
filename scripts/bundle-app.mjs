// Bundles the identity app (app/server.ts and its dependencies) into one CommonJS file, so the
// container image needs only `node` and this file: no node_modules, no npm inside the image.
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';

await mkdir('dist/image', { recursive: true });
await build({
  entryPoints: ['app/server.ts'],
  outfile: 'dist/image/server.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
});
await cp('app/static', 'dist/image/static', { recursive: true });
