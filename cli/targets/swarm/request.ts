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
