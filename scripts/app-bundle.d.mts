import type { Metafile } from 'esbuild';

/** Bundle app/ from `root` into `outdir` (server.cjs, app.cjs, static/); returns esbuild's metafiles. */
export function bundleApp(root: string, outdir: string): Promise<{ server: Metafile; app: Metafile }>;
