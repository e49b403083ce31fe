/**
 * The identity demo as a Fastify instance (no listen(): see server.ts).
 *
 *   GET /                   stranger / friend / 403 page
 *   GET /whoami             the identity as JSON
 *   GET /healthz            {"status":"ok"}
 *   GET /static/:file       files of app/static, from memory (social.png)
 *
 * The hot path is kept cheap: GET / is answered on node's request before fastify routing (see
 * serverFactory), no hooks, no per-request child logger, header sets built once.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createAccessPolicy, hasFilters, isAllowed } from './access.js';
import { presentIdentityHeaders, readIdentity, type Identity } from './identity.js';
import { windowLimiter } from './log-limit.js';
import { renderPage, type PageOptions } from './page.js';
import { helmetHeaders, helmetOptions, imageHelmetOptions, type HeaderSet } from './security.js';
import { loadStaticFiles, resolveStaticDir } from './static-files.js';

export interface AppOptions {
  /** DEMO_INVITE_LINK: strangers get a link to join. */
  inviteLink?: string;
  /** TAILSCALE_URL: enables og:url and the absolute og:image. */
  tailscaleUrl?: string;
  /** Like headscale's OIDC allowed_domains: the login's domain (after the last @) must be listed. */
  allowedDomains?: string[];
  /** Like headscale's OIDC allowed_users: the login must be listed (case-insensitive). */
  allowedUsers?: string[];
  /** Directory with social.png; default: found next to the entry script (see static-files.ts). */
  staticDir?: string;
  /** Fastify/pino logger option; false (default) = no logs. */
  logger?: boolean | Record<string, unknown>;
  /** Spoof warnings logged per minute at most (default 20); the rest are counted. */
  spoofWarningsPerMinute?: number;
}

export interface Visit {
  identity: Identity;
  /** Identified, but turned away by the access filters. */
  forbidden: boolean;
}

/** GET or HEAD of the page (any query string). */
export function isPageRequest(req: IncomingMessage): boolean {
  const { method, url } = req;
  return (method === 'GET' || method === 'HEAD') && (url === '/' || (url !== undefined && url.startsWith('/?')));
}

type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function buildApp(options: AppOptions = {}): FastifyInstance {
  const logger = options.logger ?? false;
  /** Serves the page on node's req/res; set once the security headers are computed (before listening). */
  let servePage: RawHandler | undefined;
  const app = Fastify({
    logger,
    // No "incoming request"/"request completed" lines: logs stay about what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // No pino child per request: the few request-time lines (spoof warnings, errors) name the peer/URL.
    // (Without a logger fastify already skips children, and only for its default factory.)
    ...(logger ? { childLoggerFactory: (parent: FastifyBaseLogger) => parent } : {}),
    // The hot path: GET / goes straight to servePage, skipping fastify's routing and reply pipeline
    // (the page must stay within 10% of a bare node:http server). Everything else, and inject(),
    // goes through fastify; its GET / route calls the same servePage.
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (servePage !== undefined && isPageRequest(req)) servePage(req, res);
        else handler(req, res);
      }),
  });

  const pageOptions: PageOptions = { inviteLink: options.inviteLink, tailscaleUrl: options.tailscaleUrl };
  const policy = createAccessPolicy(options.allowedDomains, options.allowedUsers);
  const filtering = hasFilters(policy);
  const staticDir = resolveStaticDir(options.staticDir);
  const staticFiles = loadStaticFiles(staticDir);
  if (!staticFiles.has('social.png')) app.log.warn({ staticDir }, 'social.png not found; /static/social.png will 404');
  const spoofWarning = windowLimiter(options.spoofWarningsPerMinute ?? 20, 60_000);

  /** Identity of a request, warning when a non-loopback peer sends identity headers. */
  function visit(req: IncomingMessage): Visit {
    // The TCP peer, never X-Forwarded-For: only serve's own loopback connection is trusted.
    const peer = req.socket.remoteAddress;
    const identity = readIdentity(req.headers, peer);
    if (!identity.trusted) {
      const spoofed = presentIdentityHeaders(req.headers);
      if (spoofed.length > 0) {
        const { allowed, dropped } = spoofWarning();
        if (allowed) {
          app.log.warn(
            { peer, headers: spoofed, droppedWarnings: dropped, url: req.url },
            `ignored Tailscale identity headers from non-loopback peer ${peer ?? 'unknown'}`,
          );
        }
      }
    }
    const forbidden = identity.identified && filtering && !isAllowed(identity.login, policy);
    return { identity, forbidden };
  }

  const routes = async (root: FastifyInstance): Promise<void> => {
    // Helmet's headers, computed once (see security.ts), plus each route's own.
    const security = await helmetHeaders(helmetOptions);
    const imageSecurity = await helmetHeaders(imageHelmetOptions);
    const html: HeaderSet = { ...security, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    const json: HeaderSet = { ...security, 'cache-control': 'no-store' };
    const image: HeaderSet = { ...imageSecurity, 'cache-control': 'public, max-age=3600' };
    // Flat [name, value, ...] for writeHead: cheaper to copy per request than spreading an object.
    const htmlHeaderList = Object.entries(html).flat();
    const errorBody = JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });
    const errorHeaderList = [...Object.entries(json).flat(), 'content-type', 'application/json; charset=utf-8'];

    servePage = (req, res) => {
      try {
        const { identity, forbidden } = visit(req);
        const page = renderPage({ identity, rawHeaders: req.rawHeaders, options: pageOptions, forbidden });
        const headers = htmlHeaderList.slice();
        headers.push('content-length', String(Buffer.byteLength(page)));
        res.writeHead(forbidden ? 403 : 200, headers);
        res.end(req.method === 'HEAD' ? undefined : page);
      } catch (err) {
        app.log.error({ err, url: req.url }, 'request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(500, errorHeaderList);
        res.end(errorBody);
      }
    };

    // Reached by inject() and by anything the fast path does not take.
    root.get('/', (request, reply) => {
      reply.hijack();
      servePage!(request.raw, reply.raw);
    });

    root.get('/whoami', (request, reply) => {
      const { identity, forbidden } = visit(request.raw);
      const { identified, login, name, profilePic, funnel } = identity;
      reply.headers(json);
      if (forbidden) reply.code(403);
      reply.send({ identified, login, name, profilePic, funnel });
    });

    root.get('/healthz', (_request, reply) => {
      reply.headers(json).send({ status: 'ok' });
    });

    root.get<{ Params: { file: string } }>('/static/:file', (request, reply) => {
      const file = staticFiles.get(request.params.file);
      if (!file) {
        notFound(request, reply);
        return;
      }
      reply.headers(image).header('content-type', file.contentType).send(file.body);
    });

    function notFound(request: FastifyRequest, reply: FastifyReply): void {
      reply.headers(json).code(404).send({ statusCode: 404, error: 'Not Found', message: `${request.method} ${request.url} not found` });
    }
    root.setNotFoundHandler(notFound);

    root.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
      const label = STATUS_CODES[status] ?? 'Error';
      // 5xx details stay in the log, not in the response.
      const message = status >= 500 ? label : String(error.message ?? label);
      reply.headers(json).code(status).send({ statusCode: status, error: label, message });
    });
  };
  // skip-override: the routes and handlers live in the root context (as fastify-plugin would do).
  Object.assign(routes, { [Symbol.for('skip-override')]: true });
  app.register(routes);

  return app;
}
