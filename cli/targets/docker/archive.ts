/** Files out of a tar stream the engine's archive API returns (`GET /containers/{id}/archive`). */
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';

/** The regular files of the archive, as bytes (names as the archive has them). */
export async function untarFiles(archive: NodeJS.ReadableStream): Promise<Array<{ name: string; content: Buffer }>> {
  const files: Array<{ name: string; content: Buffer }> = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') files.push({ name: header.name, content: Buffer.concat(chunks) });
      next();
    });
  });
  // pipeline: a source that fails (a dropped ssh:// connection) ends the wait too
  await pipeline(archive, ex);
  return files;
}

/** The regular files of the archive, each as UTF-8 text (names as the archive has them). */
export async function untar(archive: NodeJS.ReadableStream): Promise<Array<{ name: string; content: string }>> {
  return (await untarFiles(archive)).map((f) => ({ name: f.name, content: f.content.toString('utf8') }));
}
