/**
 * Bounded retries with backoff for registry transfers (push, pull): only for failures that can pass on
 * their own — the registry answering 5xx, a connection reset or timing out on the way — never for a
 * refusal (401/403 and "denied", 404 and "unknown"/"not found"), which would fail the same way again.
 */
import { engineMessage, statusCode } from '../client.js';
import { StreamFailure } from '../../../errors.js';

export interface RetryPolicy {
  /** Tries in all (the first included). */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  firstDelayMs: number;
}

export const REGISTRY_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 2_000 };

const REFUSED = /unauthori[sz]ed|authenticat|denied|forbidden|not found|unknown|invalid|\b40[0-9]\b/i;
const TRANSIENT =
  /\b5\d\d\b|service unavailable|bad gateway|gateway time-?out|internal server error|connection reset|ECONNRESET|broken pipe|i\/o timeout|timed? ?out|TLS handshake|unexpected EOF|connection refused|temporar/i;

/** The message of a registry failure as the engine reports it (HTTP error or an item in the stream). */
export function failureMessage(err: unknown): string {
  return err instanceof StreamFailure ? err.message : engineMessage(err);
}

export function isTransient(err: unknown): boolean {
  const message = failureMessage(err);
  if (REFUSED.test(message)) return false;
  const status = statusCode(err);
  return TRANSIENT.test(message) || (status !== undefined && status >= 500) || (err as { code?: string })?.code === 'ECONNRESET';
}

/** Run `attempt` until it succeeds, fails for good, or the tries run out; `onRetry` hears each retry. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  onRetry: (err: unknown, nextTry: number, delayMs: number) => void,
  policy: RetryPolicy = REGISTRY_RETRY,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      if (tried >= policy.attempts || !isTransient(err)) throw err;
      const delay = policy.firstDelayMs * 2 ** (tried - 1);
      onRetry(err, tried + 1, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
