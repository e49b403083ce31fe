/**
 * Who is asking, per request: the identity (trusted only from a loopback peer), a rate-limited
 * warning when a non-loopback peer sends identity headers, and the access filters. Shared by the
 * page (fast path and route) and /whoami; built once per app, decorated on the instance as `visit`.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { createAccessPolicy, hasFilters, isAllowed } from './access.js';
import { presentIdentityHeaders, readIdentity, type Identity } from './identity.js';
import { windowLimiter } from './log-limit.js';

export interface Visit {
  identity: Identity;
  /** Identified, but turned away by the access filters. */
  forbidden: boolean;
}

export type Visitor = (req: IncomingMessage) => Visit;

export interface VisitorOptions {
  allowedDomains?: string[] | undefined;
  allowedUsers?: string[] | undefined;
  /** Spoof warnings logged per minute at most (default 20); the rest are counted. */
  spoofWarningsPerMinute?: number | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The visit of a request (see visit.ts); decorated by buildApp. */
    visit: Visitor;
  }
}

/** Identity of a request, warning on `log` when a non-loopback peer sends identity headers. */
export function createVisitor(options: VisitorOptions, log: FastifyBaseLogger): Visitor {
  const policy = createAccessPolicy(options.allowedDomains, options.allowedUsers);
  const filtering = hasFilters(policy);
  const spoofWarning = windowLimiter(options.spoofWarningsPerMinute ?? 20, 60_000);

  return function visit(req: IncomingMessage): Visit {
    // The TCP peer, never X-Forwarded-For: only serve's own loopback connection is trusted.
    const peer = req.socket.remoteAddress;
    const identity = readIdentity(req.headers, peer);
    if (!identity.trusted) {
      const spoofed = presentIdentityHeaders(req.headers);
      if (spoofed.length > 0) {
        const { allowed, dropped } = spoofWarning();
        if (allowed) {
          log.warn(
            { peer, headers: spoofed, droppedWarnings: dropped, url: req.url },
            `ignored Tailscale identity headers from non-loopback peer ${peer ?? 'unknown'}`,
          );
        }
      }
    }
    const forbidden = identity.identified && filtering && !isAllowed(identity.login, policy);
    return { identity, forbidden };
  };
}
