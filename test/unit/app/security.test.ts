import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import { helmetHeaders, helmetOptions, imageHelmetOptions } from '../../../app/security.js';
import { testApp } from './helpers.js';

/** What @fastify/helmet sends when registered the usual way (a hook on every request). */
async function viaPlugin(options: typeof helmetOptions): Promise<Record<string, unknown>> {
  const app = Fastify();
  await app.register(helmet, options as never); // helmet's ESM and CJS typings name the same options twice
  app.get('/', (_req, reply) => {
    reply.send('x');
  });
  const res = await app.inject('/');
  await app.close();
  const { 'content-type': _t, 'content-length': _l, date: _d, connection: _c, ...rest } = res.headers;
  return rest;
}

describe('helmet headers computed once', () => {
  it('equal what @fastify/helmet sets per request', async () => {
    expect(await helmetHeaders(helmetOptions)).toEqual(await viaPlugin(helmetOptions));
    expect(await helmetHeaders(imageHelmetOptions)).toEqual(await viaPlugin(imageHelmetOptions));
  });

  it('are the exact headers on the app page', async () => {
    const expected = await viaPlugin(helmetOptions);
    const { app } = testApp();
    const res = await app.inject('/');
    await app.close();
    for (const [name, value] of Object.entries(expected)) expect(res.headers[name], name).toBe(value);
  });
});
