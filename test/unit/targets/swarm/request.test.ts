/**
 * cli/targets/swarm/request.ts promises that a Swarm write's body (a service spec, a secret's value) goes
 * in the request body only. Checked on the wire: dockerode and docker-modem as the target uses them,
 * talking to a stand-in engine on loopback that records each request and answers what runJob
 * (node-job.ts: create a service, list its task, read its logs, remove it) needs.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../../../cli/targets/swarm/node-job.js';
import { asRequest } from '../../../../cli/targets/swarm/request.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A frame of the engine's multiplexed log stream (stdout). */
function frame(text: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = 1;
  head.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([head, Buffer.from(text)]);
}

describe('Swarm writes on the wire', () => {
  let server: Server;
  let docker: Docker;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '';
        seen.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const json = (code: number, value: unknown) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        // the sweep of jobs a killed command left: none here
        if (req.method === 'GET' && url.startsWith('/services?')) return json(200, []);
        if (req.method === 'POST' && url.startsWith('/services/create')) return json(201, { ID: 'svc1' });
        if (req.method === 'POST' && url.startsWith('/services/svc1/update')) return json(200, {});
        if (req.method === 'GET' && url.startsWith('/tasks'))
          return json(200, [{ ID: 't1', ServiceID: 'svc1', Status: { State: 'complete', ContainerStatus: { ExitCode: 0 } } }]);
        if (req.method === 'GET' && url.startsWith('/services/svc1/logs')) {
          res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
          return res.end(frame('made\n'));
        }
        if (req.method === 'DELETE' && url.startsWith('/services/svc1')) return json(200, {});
        json(404, { message: `no route ${req.method} ${url}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    docker = new Docker({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'http' });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const SCRIPT = "mkdir -p '/appdata/2026/cleveland' && echo made";

  it('runJob: the job runs and its output is read back', async () => {
    seen.length = 0;
    const r = await runJob(docker, {
      constraint: 'node.id==n1',
      image: 'registry.example:5000/demo:rev-x@sha256:abc',
      mounts: [{ source: '/srv/appdata', target: '/appdata' }],
      script: SCRIPT,
      what: 'make the state dir of cleveland',
      where: 'w1 (n1)',
      auth: undefined,
    });
    expect(r).toEqual({ exitCode: 0, output: 'made\n' });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'POST', 'GET', 'GET', 'DELETE']);
  });

  it('a service create carries its spec in the body, not in the URL', () => {
    const create = seen.find((s) => s.url.startsWith('/services/create'))!;
    expect(JSON.parse(create.body).TaskTemplate.ContainerSpec.Command).toEqual(['sh', '-c', SCRIPT]);
    expect(create.url).toBe('/services/create');
  });

  it('a service create sends no registry auth made of the request (X-Registry-Auth)', () => {
    // dockerode's createService(auth, opts) takes a lone argument as both auth and opts, so the
    // request object itself became the X-Registry-Auth header: the spec, base64, stored by the engine
    // as the service's registry credentials
    const create = seen.find((s) => s.url.startsWith('/services/create'))!;
    const auth = create.headers['x-registry-auth'];
    const decoded = typeof auth === 'string' ? Buffer.from(auth, 'base64url').toString('utf8') : '';
    expect(decoded).not.toContain('TaskTemplate');
    expect(decoded).not.toContain('mkdir');
  });

  it("a job sends the credentials it is given (the node pulls the event's image with them), in the header only", async () => {
    seen.length = 0;
    await runJob(docker, {
      constraint: 'node.id==n1',
      image: 'registry.example:5000/demo:rev-x@sha256:abc',
      mounts: [],
      script: SCRIPT,
      what: 'look',
      where: 'w1 (n1)',
      auth: { username: 'ci', password: 'pull-secret', serveraddress: 'registry.example:5000' },
    });
    const create = seen.find((s) => s.url.startsWith('/services/create'))!;
    const header = String(create.headers['x-registry-auth'] ?? '');
    expect(Buffer.from(header, 'base64url').toString('utf8')).toContain('"username":"ci"');
    expect(create.url + create.body).not.toContain('pull-secret');
  });

  it('a service update puts the version in the URL and the spec in the body only', async () => {
    seen.length = 0;
    const spec = { Name: 'id-demo-cleveland', TaskTemplate: { ContainerSpec: { Env: ['DEMO_INVITE_LINK=https://x/invite'] } } };
    await docker.getService('svc1').update(asRequest({ version: 7 }, spec));
    const [update] = seen;
    expect(update?.url).toBe('/services/svc1/update?version=7');
    expect(JSON.parse(update!.body)).toEqual(spec);
    expect(update?.headers['x-registry-auth']).toBeUndefined();
  });
});
