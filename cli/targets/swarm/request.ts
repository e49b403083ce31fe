/**
 * dockerode hands a POST's options to docker-modem, which puts them in the query string AND the body
 * unless they are split as `_query` and `_body` (docker-modem lib/modem.js, buildRequest: `opts._query ||
 * opts`, `opts._body || opts`). A secret's value or a whole service spec does not belong in a URL (the
 * engine logs request URLs at debug level): every Swarm write goes through this.
 */
// biome-ignore lint/suspicious/noExplicitAny: dockerode's option types do not know the split
export function asRequest(query: Record<string, unknown>, body: unknown): any {
  return { _query: query, _body: body };
}

/**
 * The registry credentials argument of dockerode's createService/update, always given: with one argument
 * createService sends the whole request as the X-Registry-Auth header (dockerode lib/docker.js,
 * createService: `opts = auth` keeps `auth`). undefined: no header, the nodes pull anonymously.
 */
// biome-ignore lint/suspicious/noExplicitAny: dockerode's overloads do not take undefined
export function credentials(auth: object | undefined): any {
  return auth;
}
