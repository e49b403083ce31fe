/** Files out of a tar stream the engine's archive API returns (`GET /containers/{id}/archive`). */
import { extract } from 'tar-stream';

/** The regular files of the archive, each as UTF-8 text (names as the archive has them). */
export async function untar(archive: NodeJS.ReadableStream): Promise<Array<{ name: string; content: string }>> {
  const files: Array<{ name: string; content: string }> = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.push({ name: header.name, content: Buffer.concat(chunks).toString('utf8') });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  archive.pipe(ex);
  await done;
  return files;
}
