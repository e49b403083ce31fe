/**
 * The identity demo as a Fastify instance (no listen(): see server.ts, which answers the first four
 * routes itself and loads this only for the rest). Composition only:
 *
 *   GET /                   stranger / friend / 403 page   raw-routes.ts via routes/page.ts
 *   GET /whoami             the identity as JSON            raw-routes.ts via routes/whoami.ts
 *   GET /healthz            {"status":"ok"}                 raw-routes.ts via routes/health.ts
 *   GET /static/:file       files of app/static (memory)    raw-routes.ts via routes/static.ts
 *   404 and errors          JSON with security headers      plugins/errors.ts
 *
 * The hot path is kept cheap: those routes are answered on node's request before fastify routing (see
 * fast-path.ts), no hooks, no per-request child logger, header sets built once.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { loadStatic } from './static-files.js';
import { createFastPath } from './fast-path.js';
import errors from './plugins/errors.js';
import responseHeaders from './plugins/response-headers.js';
import health from './routes/health.js';
import page from './routes/page.js';
import staticFiles from './routes/static.js';
import whoami from './routes/whoami.js';
import { createVisitor } from './visit.js';
import type { PageOptions } from './page.js';

export { isPageRequest } from './fast-path.js';
export type { Visit } from './visit.js';

export interface AppOptions {
  /** DEMO_INVITE_LINK: strangers get a link to join. */
  inviteLink?: string;
  /** TAILSCALE_URL: enables og:url and the absolute og:image. */
  tailscaleUrl?: string;
  /** TAILSCALE_FUNNEL defined: the node is on the public internet (the stranger view says so). */
  funnel?: boolean;
  /** Like headscale's OIDC allowed_domains: the login's domain (after the last @) must be listed. */
  allowedDomains?: string[];
  /** Like headscale's OIDC allowed_users: the login must be listed (case-insensitive). */
  allowedUsers?: string[];
  /** Directory with social.png; default: found next to the entry script (see static-files.ts). */
  staticDir?: string;
  /** Fastify/pino logger option; false (default) = no logs. */
  logger?: boolean | Record<string, unknown>;
  /** A pino logger to use instead (server.ts's, so the app logs through one logger). */
  loggerInstance?: FastifyBaseLogger;
  /** Spoof warnings logged per minute at most (default 20); the rest are counted. */
  spoofWarningsPerMinute?: number;
}

export function buildApp(options: AppOptions = {}): FastifyInstance {
  const logger = options.loggerInstance ?? options.logger ?? false;
  const fastPath = createFastPath();
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    // No "incoming request"/"request completed" lines: logs stay about what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // No pino child per request: the few request-time lines (spoof warnings, errors) name the peer/URL.
    // (Without a logger fastify already skips children, and only for its default factory.)
    ...(logger ? { childLoggerFactory: (parent: FastifyBaseLogger) => parent } : {}),
    serverFactory: fastPath.serverFactory,
  });

  // Shared, built once: who is asking (page and /whoami), the header sets, the page handler.
  app.decorate('visit', createVisitor(options, app.log));
  app.register(responseHeaders);
  app.register(fastPath.plugin, {
    pageOptions: pageOptionsOf(options),
    staticFiles: loadStatic(options.staticDir, app.log),
  });

  // All fastify-plugin plugins, so everything lives in the root context; errors first, so the routes
  // registered after it get its error handler.
  app.register(errors);
  app.register(page);
  app.register(whoami);
  app.register(health);
  app.register(staticFiles);

  return app;
}

export function pageOptionsOf(options: AppOptions): PageOptions {
  return { inviteLink: options.inviteLink, tailscaleUrl: options.tailscaleUrl, funnel: options.funnel };
}
