/**
 * Which of headscale's API shapes a server speaks. Releases differ (from the swagger files headscale
 * ships at each tag, test/fixtures/api/SOURCE.md):
 * - 0.26–0.27: a pre-auth key is created for `user` = the user's numeric ID (looked up by name with
 *   GET /api/v1/user?name=), and expired with {user: <ID>, key: <the key itself>}.
 * - 0.28+: `user` may be left out for a tagged key; keys are expired with {id} and can be deleted with
 *   DELETE /api/v1/preauthkey?id=.
 * - 0.25 and older take the user's *name*: not supported.
 *
 * Which one a server speaks is configured (`version`) or read from the API description headscale serves
 * about itself, unauthenticated, at /swagger/v1/openapiv2.json (the same swagger file, embedded in the
 * binary): it has DELETE /api/v1/preauthkey and an `id`-only expire request from 0.28 on. The API itself
 * has no version call; /version (outside the API) exists only from 0.27 and says `dev` on source builds.
 */
import * as z from 'zod';
import { ControlServerError } from '../errors.js';
import { parseAnswer, type Transport } from './http.js';

/** The two API shapes demo-fleet speaks. */
export type HeadscaleApiShape = '0.26-0.27' | '0.28+';

export const SUPPORTED = '0.26–0.29';

/** The API shape for a configured release, or a ControlServerError for one demo-fleet does not speak. */
export function shapeForVersion(version: string, host: string): HeadscaleApiShape {
  const m = /^v?0\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.-]*)?$/.exec(version.trim());
  const minor = m ? Number(m[1]) : NaN;
  if (minor === 26 || minor === 27) return '0.26-0.27';
  if (minor === 28 || minor === 29) return '0.28+';
  throw new ControlServerError(
    `headscale (${host}): headscale ${version} is not supported: demo-fleet speaks the API of headscale ${SUPPORTED}; upgrade headscale or set the version to the release it runs`,
  );
}

const Obj = z.record(z.string(), z.unknown());

/**
 * The API shape a served description (headscale's own swagger file) describes, or why it is not one
 * demo-fleet speaks. Checks exactly the operations and fields the client uses.
 */
export function shapeFromDescription(doc: unknown): HeadscaleApiShape | { unsupported: string } {
  const parsed = z.object({ paths: Obj, definitions: Obj }).safeParse(doc);
  if (!parsed.success) return { unsupported: 'it is not a Swagger 2 description with paths and definitions' };
  const { paths, definitions } = parsed.data;
  const op = (p: string, method: string): boolean =>
    Obj.safeParse(paths[p]).success && (paths[p] as Record<string, unknown>)[method] !== undefined;
  const props = (name: string): Record<string, { type?: string; format?: string }> =>
    (definitions[name] as { properties?: Record<string, { type?: string; format?: string }> } | undefined)?.properties ?? {};
  for (const [p, m] of [
    ['/api/v1/preauthkey', 'post'],
    ['/api/v1/preauthkey/expire', 'post'],
    ['/api/v1/user', 'get'],
    ['/api/v1/node', 'get'],
    ['/api/v1/node/{nodeId}', 'delete'],
  ] as const) {
    if (!op(p, m)) return { unsupported: `it has no ${m.toUpperCase()} ${p}` };
  }
  const user = props('v1CreatePreAuthKeyRequest').user;
  if (!user) return { unsupported: 'its pre-auth key request has no `user`' };
  if (user.format !== 'uint64') return { unsupported: 'its pre-auth keys are made for a user *name* (headscale 0.25 or older)' };
  const expire = props('v1ExpirePreAuthKeyRequest');
  if (expire.id && op('/api/v1/preauthkey', 'delete')) return '0.28+';
  if (expire.user && expire.key) return '0.26-0.27';
  return { unsupported: 'its pre-auth key expire request is neither {user, key} nor {id}' };
}

/** Read the API shape from the description the server serves about itself (`swaggerUrl`). */
export async function detectShape(transport: Transport, swaggerUrl: URL): Promise<HeadscaleApiShape> {
  const call = 'read the API description it serves (to tell its version)';
  const setVersion = 'set the headscale version in the configuration (e.g. 0.28)';
  const result = await transport.request({
    call,
    method: 'GET',
    url: swaggerUrl,
    hints: {
      unauthorized: `something in front of headscale wants credentials for /swagger: ${setVersion}`,
      forbidden: `something in front of headscale hides /swagger: ${setVersion}`,
      notFound: `no /swagger/v1/openapiv2.json here (a proxy that only passes /api?): check the URL, or ${setVersion}`,
    },
  });
  const doc = parseAnswer(transport, call, result, (b) => b);
  const shape = shapeFromDescription(doc);
  if (typeof shape === 'string') return shape;
  throw transport.error(
    call,
    `the server's API is not one demo-fleet speaks (${shape.unsupported})`,
    `demo-fleet supports headscale ${SUPPORTED}: upgrade headscale, or ${setVersion} if this is wrong`,
  );
}
