/**
 * The image build context, made in memory from the project's own files: the Dockerfile and s6 service
 * from templates/, the bundled app from dist/image/. Nothing else (no node_modules, no sources).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pack } from 'tar-stream';
import { packageRoot } from '../util/package-root.js';
import { UsageError } from '../errors.js';

export interface ContextFile {
  /** Path inside the context, with `/` separators. */
  name: string;
  mode: number;
  content: Buffer;
}

export interface BuildContext {
  files: ContextFile[];
  /** sha256 over names, modes and contents: same files → same hash. */
  hash: string;
}

async function walk(dir: string, prefix: string): Promise<ContextFile[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: ContextFile[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) files.push(...(await walk(full, `${name}/`)));
    else if (entry.isFile()) {
      const s = await stat(full);
      files.push({ name, mode: s.mode & 0o111 ? 0o755 : 0o644, content: await readFile(full) });
    }
  }
  return files;
}

export async function collectContext(options: { dockerfile?: string } = {}): Promise<BuildContext> {
  const root = packageRoot();
  const appDir = path.join(root, 'dist', 'image');
  if (!existsSync(path.join(appDir, 'server.cjs'))) {
    throw new UsageError(`${appDir}/server.cjs is missing: run \`npm run build\` in ${root} first`);
  }
  const dockerfile = options.dockerfile ? path.resolve(options.dockerfile) : path.join(root, 'templates', 'Dockerfile');
  const dockerfileContent = await readFile(dockerfile).catch(() => {
    throw new UsageError(`${dockerfile}: cannot read the Dockerfile (check --dockerfile)`);
  });
  const files: ContextFile[] = [
    { name: 'Dockerfile', mode: 0o644, content: dockerfileContent },
    ...(await walk(path.join(root, 'templates', 's6'), 's6/')),
    ...(await walk(appDir, 'app/')),
  ];
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.name}\0${f.mode}\0${f.content.length}\0`).update(f.content);
  return { files, hash: hash.digest('hex') };
}

/** The context as a tar stream for the engine. Fixed mtimes keep it reproducible. */
export function contextTar(context: BuildContext): NodeJS.ReadableStream {
  const tar = pack();
  for (const f of context.files) {
    tar.entry({ name: f.name, mode: f.mode, mtime: new Date(0), uid: 0, gid: 0 }, f.content);
  }
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}
