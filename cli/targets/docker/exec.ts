/** Run a command inside a running container (`docker exec`), collecting stdout and stderr apart. */
import type Docker from 'dockerode';
import { Writable } from 'node:stream';
import type { ExecResult } from '../target.js';

/** Output kept per stream; a status JSON is a few KB, a runaway command must not fill memory. */
const MAX_OUTPUT = 1024 * 1024;

function collector(): { sink: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (size < MAX_OUTPUT) chunks.push(chunk.subarray(0, MAX_OUTPUT - size));
      size += chunk.length;
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function execInContainer(docker: Docker, id: string, cmd: string[]): Promise<ExecResult> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream;
  const stdout = collector();
  const stderr = collector();
  docker.modem.demuxStream(stream, stdout.sink, stderr.sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text() };
}
