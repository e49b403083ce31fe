/**
 * A local HTTP server (127.0.0.1, random port) that speaks an API as its PUBLISHED description says:
 * an OpenAPI 3.x document (Tailscale) or a Swagger 2.0 document (headscale), read from
 * ../shared/upstream/ (see test/fixtures/api/SOURCE.md).
 *
 * For every call it finds the operation by method + path template, checks the request (path, query and
 * header parameters, the JSON or form body against the operation's schema, the auth header the
 * description requires), runs the handler the test supplies (a stateful fake), and checks the response
 * body against the schema the operation documents for that status before sending it. Anything that does
 * not fit is recorded in `violations`; tests assert the list is empty. A request to a path or method the
 * description does not have is a violation too, and gets a loud 501.
 *
 * Error statuses an operation does not list (the Tailscale description lists no 401 or 429 anywhere) are
 * checked against the description's general error body instead (`errorSchema`) and listed in
 * `undocumented`, which is information, not a violation: every API answers 401 to a bad token whether
 * or not its description says so.
 *
 * Faults can be injected per operation: any status (401, 403, 404, 429 with Retry-After, 5xx) or a
 * dropped connection. Routes outside the API description that a real server also serves (headscale
 * serves its own swagger file) are declared with `rawRoutes`, each with the source that says it exists.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

// ajv-formats is CommonJS: its default import is module.exports, whose `.default` is the plugin.
const addFormats = addFormatsModule.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

export interface ApiDocument {
  /** A short name for messages, e.g. `tailscale-v2-openapi.yaml`. */
  name: string;
  doc: Obj;
}

/** Read a vendored description (YAML or JSON). */
export function loadApiDocument(file: string): ApiDocument {
  const text = readFileSync(file, 'utf8');
  const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Obj;
  return { name: file.split('/').pop()!, doc };
}

export interface ContractRequest {
  operationId: string;
  method: string;
  /** The path below the description's base path, e.g. `/tailnet/-/keys`. */
  path: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The credential from the Authorization header (Bearer token, or the Basic user name). */
  token: string | undefined;
  /** Record a violation of a rule the description states in prose (a length limit, a charset). */
  violate: (message: string) => void;
}

export interface ContractReply {
  status: number;
  /** JSON body (checked against the description). Leave out for an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A non-JSON body sent as is, for answers that come from outside the described API (headscale's auth
   * middleware answers `401 Unauthorized` in plain text before the gRPC gateway). Needs `outsideSpec`.
   */
  text?: string;
  /** Why this answer is not checked against the description (shown in `undocumented`). */
  outsideSpec?: string;
}

export type Handler = (req: ContractRequest) => ContractReply | Promise<ContractReply>;

export type Fault =
  | { status: number; retryAfter?: string | number; body?: unknown }
  /** Close the connection after reading the request, without an answer. */
  | { drop: true };

export interface Violation {
  where: 'routing' | 'auth' | 'request' | 'response' | 'handler' | 'documented rule';
  method: string;
  path: string;
  operationId?: string;
  message: string;
}

export interface Call {
  method: string;
  path: string;
  operationId?: string;
  status: number | 'dropped';
  fault?: boolean;
}

export interface RawRoute {
  method: string;
  /** The full request path, e.g. `/swagger/v1/openapiv2.json`. */
  path: string;
  /** Where the real server's source says this route exists. */
  source: string;
  reply: () => { status: number; contentType: string; body: string };
}

export interface ContractServerOptions {
  /** The API description and, optionally, supplements written for a route the description lacks. */
  documents: ApiDocument[];
  handlers: Record<string, Handler>;
  /**
   * The auth every described operation needs when the description itself declares none (headscale's
   * swagger has no securityDefinitions; its server wants `Authorization: Bearer <api key>`).
   */
  requireBearer?: { source: string };
  /** Whether a presented credential is valid; a request with an invalid one gets `unauthorized()`. */
  authorize?: (token: string, operationId: string) => boolean;
  unauthorized?: () => ContractReply;
  /**
   * The error body the server sends for an injected fault or a request that breaks the description
   * (answered 400 without calling the handler); it must fit the description's error body.
   */
  errorBody?: (status: number, operationId: string) => unknown;
  rawRoutes?: RawRoute[];
}

interface Operation {
  doc: CompiledDocument;
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalScore: number;
  op: Obj;
  operationId: string;
  pointer: string;
  parameters: Array<{ param: Obj; pointer: string }>;
}

interface CompiledDocument {
  name: string;
  kind: 'openapi3' | 'swagger2';
  doc: Obj;
  basePath: string;
  ajv: Ajv | Ajv2020;
  id: string;
  /** The same document with unknown object properties refused, for request bodies (see closeObjects). */
  strictId: string;
  cache: Map<string, ValidateFunction>;
}

export interface ContractServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** 127.0.0.1:<port> */
  host: string;
  violations: Violation[];
  /** Error answers the operation's description does not list (checked against the general error body). */
  undocumented: string[];
  calls: Call[];
  /** Inject a fault into the next `times` calls of an operation (`*` for any). */
  fail: (operationId: string, fault: Fault, times?: number) => void;
  /** Every violation as one readable string (empty when there are none). */
  report: () => string;
  stop: () => Promise<void>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function getPointer(doc: Obj, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follow `$ref` on a non-schema object (parameter, response, request body); returns it and where it is. */
function deref(doc: Obj, node: unknown, pointer: string): { node: Obj; pointer: string } {
  let current = node;
  let at = pointer;
  for (let i = 0; i < 10 && isObj(current) && typeof current.$ref === 'string'; i++) {
    const ref = current.$ref;
    if (!ref.startsWith('#')) throw new Error(`external $ref ${ref} is not supported`);
    at = ref.slice(1);
    current = getPointer(doc, at);
  }
  if (!isObj(current)) throw new Error(`cannot resolve ${pointer}`);
  return { node: current, pointer: at };
}

let documentCounter = 0;

/** OpenAPI 3.0 `nullable: true` → a type list, so one validator serves 3.0 and 3.1 schemas. */
function normaliseNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(normaliseNullable);
    return;
  }
  if (!isObj(node)) return;
  if (node.nullable === true && typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    delete node.nullable;
  }
  for (const v of Object.values(node)) normaliseNullable(v);
}

/** Compiled once per loaded document: servers started from the same document share validators. */
const compiled = new WeakMap<ApiDocument, CompiledDocument>();

function compileDocument(api: ApiDocument): CompiledDocument {
  let d = compiled.get(api);
  if (!d) {
    d = compileFresh(api);
    compiled.set(api, d);
  }
  return d;
}

function compileFresh(api: ApiDocument): CompiledDocument {
  const doc = structuredClone(api.doc);
  normaliseNullable(doc);
  const kind = typeof doc.openapi === 'string' ? 'openapi3' : doc.swagger === '2.0' ? 'swagger2' : undefined;
  if (!kind) throw new Error(`${api.name}: neither OpenAPI 3 nor Swagger 2.0`);
  let basePath = '';
  if (kind === 'openapi3') {
    const servers = (doc.servers as Array<{ url: string }> | undefined) ?? [];
    if (servers[0]) basePath = new URL(servers[0].url, 'http://placeholder').pathname.replace(/\/$/, '');
  } else if (typeof doc.basePath === 'string') {
    basePath = doc.basePath.replace(/\/$/, '');
  }
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; Swagger 2.0 schemas are draft-4-like (draft-07 reads them).
  const ajv =
    kind === 'openapi3' && String(doc.openapi).startsWith('3.1')
      ? new Ajv2020({ allErrors: true, strict: false, validateFormats: true })
      : new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  // The formats these descriptions use beyond ajv-formats (integer widths, protobuf's uint64-as-string).
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('uint64', /^\d{1,20}$/);
  ajv.addFormat('int64-string', /^-?\d{1,19}$/);
  ajv.addFormat('password', /.*/);
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  const id = `urn:contract:${++documentCounter}`;
  const strictId = `${id}:strict`;
  // The document itself is the schema root: `#/components/schemas/X` and `#/definitions/X` resolve in it.
  // (Not checked against the meta-schema: the root is an API description, not a schema.)
  ajv.addSchema({ ...doc, $id: id }, id, undefined, false);
  const strict = structuredClone(doc);
  closeObjects(strict);
  ajv.addSchema({ ...strict, $id: strictId }, strictId, undefined, false);
  return { name: api.name, kind, doc, basePath, ajv, id, strictId, cache: new Map() };
}

/**
 * Request bodies may not carry properties the description does not know: both servers decode JSON
 * ignoring unknown fields (Go's encoding/json, grpc-gateway with DiscardUnknown), so a misspelt or
 * wrong-version field would be dropped without a word. Objects that list `properties` and say nothing
 * about `additionalProperties` are closed; composed schemas (allOf/anyOf/oneOf) are left open (a
 * request built with allOf over a closed member would need unevaluatedProperties; none used here).
 */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
    return;
  }
  if (!isObj(node)) return;
  if (isObj(node.properties) && node.additionalProperties === undefined && !node.allOf && !node.anyOf && !node.oneOf && !node.$ref) {
    node.additionalProperties = false;
  }
  for (const v of Object.values(node)) closeObjects(v);
}

function validator(d: CompiledDocument, pointer: string, strict = false): ValidateFunction {
  const key = `${strict ? 'strict:' : ''}${pointer}`;
  let v = d.cache.get(key);
  if (!v) {
    // A JSON pointer in a URI fragment: each segment percent-encoded (`{tailnet}`, `application~1json`).
    const fragment = pointer.split('/').map(encodeURIComponent).join('/');
    v = d.ajv.compile({ $ref: `${strict ? d.strictId : d.id}#${fragment}` });
    d.cache.set(key, v);
  }
  return v;
}

function errorsText(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    )
    .join('; ');
}

function operations(d: CompiledDocument): Operation[] {
  const out: Operation[] = [];
  const paths = (d.doc.paths ?? {}) as Record<string, Obj>;
  for (const [template, item] of Object.entries(paths)) {
    const itemPointer = `/paths/${escapePointer(template)}`;
    const shared = ((item.parameters as unknown[]) ?? []).map((p, i) => deref(d.doc, p, `${itemPointer}/parameters/${i}`));
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const pointer = `${itemPointer}/${method}`;
      const own = ((op.parameters as unknown[]) ?? []).map((p, i) => deref(d.doc, p, `${pointer}/parameters/${i}`));
      // Operation parameters override path-item ones with the same name and location.
      const merged = new Map<string, { param: Obj; pointer: string }>();
      for (const p of [...shared, ...own]) merged.set(`${String(p.node.in)}:${String(p.node.name)}`, { param: p.node, pointer: p.pointer });
      const paramNames: string[] = [];
      const pattern = template
        .replace(/[.*+?^${}()|[\]\\]/g, (ch) => (ch === '{' || ch === '}' ? ch : `\\${ch}`))
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          paramNames.push(name);
          return '([^/]+)';
        });
      out.push({
        doc: d,
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${pattern}$`),
        paramNames,
        literalScore: template.replace(/\{[^}]+\}/g, '').length,
        op,
        operationId: typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${template}`,
        pointer,
        parameters: [...merged.values()],
      });
    }
  }
  return out;
}

/** A parameter's schema and where it lives (OpenAPI 3: `schema`; Swagger 2: the parameter itself). */
function parameterSchema(d: CompiledDocument, p: { param: Obj; pointer: string }): { schema: Obj; validate: () => ValidateFunction } {
  if (d.kind === 'openapi3') {
    const schema = (p.param.schema as Obj | undefined) ?? {};
    return { schema, validate: () => validator(d, `${p.pointer}/schema`) };
  }
  const { name: _n, in: _i, required: _r, description: _d, collectionFormat: _c, ...schema } = p.param;
  const key = `param:${p.pointer}`;
  return {
    schema,
    validate: () => {
      let v = d.cache.get(key);
      if (!v) {
        v = d.ajv.compile(schema);
        d.cache.set(key, v);
      }
      return v;
    },
  };
}

function coerce(value: string, schema: Obj): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The response object the description gives for a status (exact, `4XX`-style range, or `default`). */
function responseFor(d: CompiledDocument, o: Operation, status: number): { node: Obj; pointer: string } | undefined {
  const responses = (o.op.responses ?? {}) as Record<string, unknown>;
  const keys = [String(status), `${String(status)[0]}XX`, 'default'];
  for (const key of keys) {
    if (responses[key] !== undefined) return deref(d.doc, responses[key], `${o.pointer}/responses/${escapePointer(key)}`);
  }
  return undefined;
}

export async function startContractServer(options: ContractServerOptions): Promise<ContractServer> {
  const docs = options.documents.map(compileDocument);
  const ops = docs.flatMap(operations);
  const violations: Violation[] = [];
  const undocumented: string[] = [];
  const calls: Call[] = [];
  const faults: Array<{ operationId: string; fault: Fault; remaining: number }> = [];

  const violate = (v: Violation): void => {
    violations.push(v);
  };

  /** The general error body of a description: Tailscale's `Error` schema, or headscale's `default` answer. */
  function errorPointer(d: CompiledDocument): string | undefined {
    if (d.kind === 'openapi3' && getPointer(d.doc, '/components/schemas/Error')) return '/components/schemas/Error';
    return undefined;
  }

  function checkResponse(o: Operation, reply: ContractReply, method: string, path: string): void {
    const d = o.doc;
    const where = { where: 'response' as const, method, path, operationId: o.operationId };
    if (reply.outsideSpec) {
      undocumented.push(`${o.operationId} → ${reply.status}: ${reply.outsideSpec}`);
      return;
    }
    const res = responseFor(d, o, reply.status);
    let schemaPointer: string | undefined;
    let expectsBody = false;
    if (res) {
      if (d.kind === 'openapi3') {
        const content = res.node.content as Record<string, Obj> | undefined;
        if (content) {
          expectsBody = true;
          const json = Object.keys(content).find((k) => k === 'application/json' || k.endsWith('+json'));
          if (!json) {
            violate({ ...where, message: `status ${reply.status} documents ${Object.keys(content).join(', ')}, not JSON` });
            return;
          }
          if (content[json]!.schema !== undefined) schemaPointer = `${res.pointer}/content/${escapePointer(json)}/schema`;
        }
      } else if (res.node.schema !== undefined) {
        expectsBody = true;
        schemaPointer = `${res.pointer}/schema`;
      }
    } else if (reply.status >= 400) {
      schemaPointer = errorPointer(d);
      expectsBody = schemaPointer !== undefined;
      undocumented.push(
        `${o.operationId} → ${reply.status}: not among the operation's responses${schemaPointer ? ` (checked against #${schemaPointer})` : ''}`,
      );
    } else {
      violate({ ...where, message: `status ${reply.status} is not a documented response` });
      return;
    }
    if (reply.text !== undefined) {
      violate({ ...where, message: `a non-JSON body for status ${reply.status} without a reason (outsideSpec)` });
      return;
    }
    if (!expectsBody) {
      if (reply.body !== undefined) violate({ ...where, message: `status ${reply.status} documents no body, but one was sent` });
      return;
    }
    if (reply.body === undefined) {
      violate({ ...where, message: `status ${reply.status} documents a body, but none was sent` });
      return;
    }
    if (schemaPointer) {
      const v = validator(d, schemaPointer);
      if (!v(reply.body)) violate({ ...where, message: `status ${reply.status} body does not fit #${schemaPointer}: ${errorsText(v)}` });
    }
  }

  function credential(req: http.IncomingMessage): { scheme: string; token: string } | undefined {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const [scheme, ...rest] = header.split(' ');
    const value = rest.join(' ');
    if (!scheme || !value) return undefined;
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      return { scheme: 'basic', token: decoded.split(':')[0]! };
    }
    return { scheme: scheme.toLowerCase(), token: value };
  }

  /** Whether the operation needs auth, and which schemes satisfy it (empty set = none needed). */
  function authSchemes(o: Operation): Set<string> {
    const d = o.doc;
    if (d.kind === 'openapi3') {
      const security = (o.op.security ?? d.doc.security ?? []) as Array<Record<string, unknown>>;
      const schemes = ((d.doc.components as Obj | undefined)?.securitySchemes ?? {}) as Record<string, Obj>;
      const out = new Set<string>();
      for (const requirement of security) {
        for (const name of Object.keys(requirement)) {
          const s = schemes[name];
          if (s?.type === 'http' && typeof s.scheme === 'string') out.add(s.scheme.toLowerCase());
          else if (s) out.add(`unsupported:${name}`);
        }
      }
      return out;
    }
    const security = (o.op.security ?? d.doc.security) as unknown[] | undefined;
    if (security && security.length > 0) throw new Error(`${d.name}: Swagger 2 security requirements are not supported here`);
    return options.requireBearer ? new Set(['bearer']) : new Set();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);

    const raw = options.rawRoutes?.find((r) => r.method === method && r.path === url.pathname);
    if (raw) {
      const reply = raw.reply();
      calls.push({ method, path: url.pathname, status: reply.status });
      res.writeHead(reply.status, { 'content-type': reply.contentType });
      res.end(reply.body);
      return;
    }

    const send = (status: number, body?: unknown, headers: Record<string, string> = {}, text?: string): void => {
      if (text !== undefined) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
        res.end(text);
      } else if (body === undefined) {
        res.writeHead(status, headers);
        res.end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      }
    };

    // Route: the longest literal template that matches wins (`/device-invites/-/accept` over `{id}`).
    const candidates: Array<{ o: Operation; match: RegExpExecArray; rel: string }> = [];
    for (const o of ops) {
      const base = o.doc.basePath;
      if (base && !url.pathname.startsWith(`${base}/`)) continue;
      const rel = url.pathname.slice(base.length);
      const match = o.regex.exec(rel);
      if (match) candidates.push({ o, match, rel });
    }
    if (candidates.length === 0) {
      violate({ where: 'routing', method, path: url.pathname, message: 'no such path in the API description' });
      calls.push({ method, path: url.pathname, status: 501 });
      send(501, { message: `contract server: ${method} ${url.pathname} is not in the API description` });
      return;
    }
    const best = Math.max(...candidates.map((c) => c.o.literalScore));
    const sameTemplate = candidates.filter((c) => c.o.literalScore === best);
    const hit = sameTemplate.find((c) => c.o.method === method);
    if (!hit) {
      const allowed = sameTemplate.map((c) => c.o.method).join(', ');
      violate({ where: 'routing', method, path: url.pathname, message: `method not in the API description (it has ${allowed})` });
      calls.push({ method, path: url.pathname, status: 501 });
      send(501, { message: `contract server: ${method} is not described for ${sameTemplate[0]!.o.template}` });
      return;
    }
    const { o, match, rel } = hit;
    const d = o.doc;
    const where = (w: Violation['where'], message: string): Violation => ({
      where: w,
      method,
      path: url.pathname,
      operationId: o.operationId,
      message,
    });

    // Auth the description asks for.
    let token: string | undefined;
    let missingAuth = false;
    const schemes = authSchemes(o);
    const cred = credential(req);
    if (schemes.size > 0) {
      if (!cred || !schemes.has(cred.scheme)) {
        violate(where('auth', `no ${[...schemes].join(' or ')} credential in Authorization`));
        missingAuth = true;
      } else {
        token = cred.token;
      }
    } else if (cred) {
      token = cred.token;
    }
    const violationsBefore = violations.length;

    // Parameters.
    const params: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    const known = new Set<string>();
    let freeFormQuery = false;
    for (const p of o.parameters) {
      const name = String(p.param.name);
      const loc = String(p.param.in);
      if (loc === 'body') continue;
      const { schema, validate } = parameterSchema(d, p);
      if (loc === 'query' && /[<=]/.test(name)) {
        freeFormQuery = true; // Tailscale's "<field>=<value> filters": any device field may be a key.
        continue;
      }
      let value: unknown;
      if (loc === 'path') {
        const i = o.paramNames.indexOf(name);
        value = i >= 0 ? coerce(decodeURIComponent(match[i + 1]!), schema) : undefined;
        params[name] = value;
      } else if (loc === 'query') {
        known.add(name);
        const values = url.searchParams.getAll(name);
        if (values.length === 0) value = undefined;
        else if (schema.type === 'array') value = values.map((v) => coerce(v, (schema.items as Obj) ?? {}));
        else if (values.length > 1) {
          violate(where('request', `query parameter ${name} given ${values.length} times`));
          value = coerce(values[0]!, schema);
        } else value = coerce(values[0]!, schema);
        if (value !== undefined) query[name] = value;
      } else if (loc === 'header') {
        const h = req.headers[name.toLowerCase()];
        value = typeof h === 'string' ? coerce(h, schema) : undefined;
      } else {
        continue;
      }
      if (value === undefined) {
        if (p.param.required === true) violate(where('request', `required ${loc} parameter ${name} is missing`));
        continue;
      }
      const v = validate();
      if (!v(value)) violate(where('request', `${loc} parameter ${name}=${JSON.stringify(value)}: ${errorsText(v)}`));
    }
    if (!freeFormQuery) {
      for (const name of new Set(url.searchParams.keys())) {
        if (!known.has(name)) violate(where('request', `query parameter ${name} is not in the API description`));
      }
    }

    // Body.
    let body: unknown;
    const contentType = mediaType(req.headers['content-type']);
    const bodySpec = requestBodySpec(d, o);
    if (rawBody.length === 0) {
      if (bodySpec?.required) violate(where('request', 'the request body is required'));
    } else if (!bodySpec) {
      violate(where('request', 'a request body was sent, but the operation takes none'));
    } else if (!bodySpec.mediaTypes.includes(contentType)) {
      violate(where('request', `Content-Type ${contentType || '(none)'} is not one of ${bodySpec.mediaTypes.join(', ')}`));
    } else {
      try {
        body =
          contentType === 'application/x-www-form-urlencoded'
            ? Object.fromEntries(new URLSearchParams(rawBody))
            : (JSON.parse(rawBody) as Json);
      } catch {
        violate(where('request', `the ${contentType} body does not parse`));
      }
      const pointer = bodySpec.schemaPointers[contentType];
      if (body !== undefined && pointer) {
        const v = validator(d, pointer, true);
        if (!v(body)) violate(where('request', `body does not fit #${pointer}: ${errorsText(v)}`));
      }
    }

    // Injected fault?
    const faultIndex = faults.findIndex((f) => f.remaining > 0 && (f.operationId === '*' || f.operationId === o.operationId));
    if (faultIndex >= 0) {
      const f = faults[faultIndex]!;
      f.remaining -= 1;
      if ('drop' in f.fault) {
        calls.push({ method, path: url.pathname, operationId: o.operationId, status: 'dropped', fault: true });
        req.socket.destroy();
        return;
      }
      const reply: ContractReply = {
        status: f.fault.status,
        body: f.fault.body ?? options.errorBody?.(f.fault.status, o.operationId) ?? { message: `injected ${f.fault.status}` },
        headers: f.fault.retryAfter !== undefined ? { 'retry-after': String(f.fault.retryAfter) } : {},
      };
      checkResponse(o, reply, method, url.pathname);
      calls.push({ method, path: url.pathname, operationId: o.operationId, status: reply.status, fault: true });
      send(reply.status, reply.body, reply.headers);
      return;
    }

    const answer = (reply: ContractReply): void => {
      checkResponse(o, reply, method, url.pathname);
      calls.push({ method, path: url.pathname, operationId: o.operationId, status: reply.status });
      send(reply.status, reply.body, reply.headers, reply.text);
    };

    // No credential, or one the fake does not accept: the server's own "unauthorized" answer.
    if (missingAuth || (schemes.size > 0 && token !== undefined && options.authorize && !options.authorize(token, o.operationId))) {
      answer(options.unauthorized?.() ?? { status: 401, body: { message: 'unauthorized' } });
      return;
    }

    // A request that breaks the description is refused as a real server would, without the handler.
    if (violations.length > violationsBefore) {
      answer({ status: 400, body: options.errorBody?.(400, o.operationId) ?? { message: 'bad request' } });
      return;
    }

    const handler = options.handlers[o.operationId];
    if (!handler) {
      violate(where('handler', 'the test supplies no handler for this operation'));
      calls.push({ method, path: url.pathname, operationId: o.operationId, status: 501 });
      send(501, { message: `contract server: no handler for ${o.operationId}` });
      return;
    }
    let reply: ContractReply;
    try {
      reply = await handler({
        operationId: o.operationId,
        method,
        path: rel,
        params,
        query,
        headers: req.headers,
        body,
        token,
        violate: (message) => violate(where('documented rule', message)),
      });
    } catch (err) {
      violate(where('handler', `handler threw: ${err instanceof Error ? err.message : String(err)}`));
      reply = { status: 500, body: { message: 'handler threw' }, outsideSpec: 'handler crash' };
    }
    answer(reply);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      violate({ where: 'handler', method: req.method ?? '?', path: req.url ?? '?', message: `contract server crashed: ${String(err)}` });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    violations,
    undocumented,
    calls,
    fail: (operationId, fault, times = 1) => {
      if (operationId !== '*' && !ops.some((o) => o.operationId === operationId))
        throw new Error(`no operation ${operationId} in the API description`);
      faults.push({ operationId, fault, remaining: times });
    },
    report: () =>
      violations.map((v) => `${v.where}: ${v.method} ${v.path}${v.operationId ? ` (${v.operationId})` : ''}: ${v.message}`).join('\n'),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface BodySpec {
  required: boolean;
  mediaTypes: string[];
  schemaPointers: Record<string, string>;
}

function requestBodySpec(d: CompiledDocument, o: Operation): BodySpec | undefined {
  if (d.kind === 'openapi3') {
    if (o.op.requestBody === undefined) return undefined;
    const rb = deref(d.doc, o.op.requestBody, `${o.pointer}/requestBody`);
    const content = (rb.node.content ?? {}) as Record<string, Obj>;
    const schemaPointers: Record<string, string> = {};
    for (const [type, media] of Object.entries(content)) {
      if (media.schema !== undefined) schemaPointers[type] = `${rb.pointer}/content/${escapePointer(type)}/schema`;
    }
    return { required: rb.node.required === true, mediaTypes: Object.keys(content), schemaPointers };
  }
  const i = ((o.op.parameters as Obj[] | undefined) ?? []).findIndex((p) => p.in === 'body');
  if (i < 0) return undefined;
  const p = (o.op.parameters as Obj[])[i]!;
  const consumes = (o.op.consumes ?? d.doc.consumes ?? ['application/json']) as string[];
  return {
    required: p.required === true,
    mediaTypes: consumes,
    schemaPointers: Object.fromEntries(consumes.map((c) => [c, `${o.pointer}/parameters/${i}/schema`])),
  };
}
