/**
 * Build/push/pull answer with a JSON-lines stream; a failure is an item with `errorDetail`/`error`
 * inside an HTTP 200 stream. Always consume the stream and raise those items, or a failed build looks
 * like success.
 */
import type Docker from 'dockerode';
import { StreamFailure } from '../../errors.js';

export interface StreamEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

export function followStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (event: StreamEvent) => void = () => {},
): Promise<StreamEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: StreamEvent[]) => {
        if (err) return reject(err);
        if (failure !== undefined) return reject(new StreamFailure(failure));
        resolve(output);
      },
      (event: StreamEvent) => {
        if ((event.errorDetail || event.error) && failure === undefined) {
          failure = (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
        }
        onEvent(event);
      },
    );
  });
}
