/**
 * The SSH transport's failure paths (cli/targets/docker/ssh/), against a scripted SSH server: an ssh2
 * Server on 127.0.0.1 behind a pass-through TCP proxy (to drop the connection mid-request), in front of
 * a fake engine (node:http on a unix socket of the test's own). The server does what OpenSSH does for
 * us: `docker context inspect` answers where the engine is, `docker system dial-stdio` bridges to it,
 * direct-streamlocal forwards to it, a session past MaxSessions is refused as administratively
 * prohibited; and what a broken server does on request (a query that never answers, a close never
 * confirmed). The client is the CLI's own: connectEngine over DOCKER_HOST=ssh://, keys from a real
 * ssh-agent, the host key checked against $HOME/.ssh/known_hosts. No Docker engine is needed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, type Engine, ENGINE_TIMEOUTS } from '../../cli/targets/docker/client.js';
import { SSH_WAITS, type SshWaits } from '../../cli/targets/docker/ssh/connection.js';
import { requirement } from '../helpers/requirements.js';

const tools = requirement('ssh-agent and ssh-add (openssh-client)', () => {
  for (const bin of ['ssh-agent', 'ssh-add']) execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' });
  return true;
});

/** What the scripted server does; each test sets what it needs. */
interface Script {
  /** Sessions at once (MaxSessions). */
  maxSessions: number;
  /** Serve direct-streamlocal (AllowStreamLocalForwarding). */
  forwarding: boolean;
  /** `docker context inspect`: answer this endpoint (after `delayMs`), or never answer. */
  query: { answer: string; delayMs?: number } | 'hang';
  /** What the server's docker CLI decides by, as the shell part of both queries prints it. */
  inputs: string;
  /** Never confirm a close the client sends on a dial-stdio channel (its session stays taken). */
  ignoreClose: boolean;
}

interface Seen {
  method: string;
  url: string;
  /** Which fake engine answered. */
  engine: string;
}

// Each case takes well under a second; a wait left unbounded would hang until this says so.
describe.skipIf(!tools.ok)(
  'ssh:// transport: drops, retries, MaxSessions, bounded waits (scripted SSH server)',
  { timeout: 15_000 },
  () => {
    let dir = '';
    let agent: ChildProcess | undefined;
    let agentSock = '';
    let home = '';
    let server: ssh2.Server;
    let proxy: net.Server;
    const proxied = new Set<net.Socket>();
    let proxyPort = 0;
    const engines: http.Server[] = [];
    let engineSock = '';
    let otherSock = '';
    let script: Script;
    const seen: Seen[] = [];
    let logins = 0;
    let refused = 0;
    let dialStdio = 0;
    let queries = 0;
    let checks = 0;
    let maxOpen = 0;
    /** Per request path: what the engine does instead of answering at once. */
    const hold = new Map<string, (res: http.ServerResponse, req: http.IncomingMessage) => void>();
    const opened: Engine[] = [];

    const defaults = (): Script => ({
      maxSessions: 10,
      forwarding: true,
      query: { answer: `unix://${engineSock}` },
      inputs: '||/root/.docker|/usr/bin/docker',
      ignoreClose: false,
    });

    function fakeEngine(sock: string, name: string): Promise<http.Server> {
      const s = http.createServer((req, res) => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', engine: name });
        const pathOnly = (req.url ?? '').split('?')[0]!.replace(/^\/v[\d.]+/, '');
        const held = hold.get(`${req.method} ${pathOnly}`);
        if (held) return held(res, req);
        res.setHeader('Content-Type', 'application/json');
        if (pathOnly === '/version') return res.end(JSON.stringify({ ApiVersion: '1.41', Version: name }));
        if (pathOnly === '/containers/json') return res.end('[]');
        if (pathOnly === '/containers/create') {
          res.statusCode = 201;
          return res.end(JSON.stringify({ Id: 'c0ffee', Warnings: [] }));
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ message: `no route ${pathOnly}` }));
      });
      return new Promise((resolve) => s.listen(sock, () => resolve(s)));
    }

    function bridge(ch: ssh2.ServerChannel, sock: string): void {
      const up = net.connect(sock);
      ch.pipe(up).pipe(ch);
      up.on('error', () => ch.destroy());
      ch.on('close', () => up.destroy());
    }

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'demo-fleet-ssh-transport-'));
      engineSock = path.join(dir, 'engine.sock');
      otherSock = path.join(dir, 'other.sock');
      engines.push(await fakeEngine(engineSock, 'engine'), await fakeEngine(otherSock, 'other'));

      const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
      const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
      await writeFile(path.join(dir, 'client_key'), clientKey.private, { mode: 0o600 });
      agentSock = path.join(dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', ['-q', path.join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'pipe' });

      server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
        let sessions = 0;
        const room = () => {
          // what OpenSSH answers past MaxSessions: SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (ssh2 sends it for noMoreSessions)
          (client as unknown as { noMoreSessions: boolean }).noMoreSessions = sessions >= script.maxSessions;
        };
        room();
        client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
        client.on('ready', () => {
          logins += 1;
          client.on('session', (accept) => {
            const session = accept();
            sessions += 1;
            maxOpen = Math.max(maxOpen, sessions);
            room();
            let freed = false;
            const free = () => {
              if (freed) return;
              freed = true;
              sessions -= 1;
              room();
            };
            session.on('close', free);
            session.on('exec', (acceptExec, _reject, info) => {
              const ch = acceptExec();
              ch.on('close', free);
              if (info.command.startsWith("sh -c 'd=") && info.command.includes('docker context inspect')) {
                queries += 1;
                const q = script.query;
                if (q === 'hang') return;
                setTimeout(() => {
                  ch.write(`${script.inputs}\n-- docker context --\n${q.answer}\n`);
                  ch.exit(0);
                  ch.end();
                }, q.delayMs ?? 0);
                return;
              }
              if (info.command.startsWith('d="${DOCKER_CONFIG:-$HOME/.docker}";')) {
                checks += 1;
                if (script.query === 'hang') return;
                ch.write(`${script.inputs}\n`);
                ch.exit(0);
                ch.end();
                return;
              }
              if (info.command.endsWith('system dial-stdio')) {
                dialStdio += 1;
                if (script.ignoreClose) (ch as unknown as { close: () => void }).close = () => {};
                return bridge(ch, engineSock);
              }
              ch.stderr.write(`unknown command: ${info.command}\n`);
              ch.exit(127);
              ch.end();
            });
          });
          client.on('openssh.streamlocal', (accept, reject, info) => {
            if (!script.forwarding) return reject();
            bridge(accept(), info.socketPath);
          });
        });
        client.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const serverPort = (server.address() as net.AddressInfo).port;

      // a pass-through proxy, so a test can cut every connection as a network would
      proxy = net.createServer((c) => {
        const up = net.connect(serverPort, '127.0.0.1');
        proxied.add(c);
        c.pipe(up).pipe(c);
        const gone = () => {
          proxied.delete(c);
          c.destroy();
          up.destroy();
        };
        c.on('error', gone);
        up.on('error', gone);
        c.on('close', gone);
        up.on('close', gone);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyPort = (proxy.address() as net.AddressInfo).port;

      home = path.join(dir, 'home');
      await mkdir(path.join(home, '.ssh'), { recursive: true });
      await writeFile(
        path.join(home, '.ssh', 'known_hosts'),
        `[127.0.0.1]:${proxyPort} ${hostKey.public.split(' ').slice(0, 2).join(' ')}\n`,
      );
      Object.assign(process.env, {
        DOCKER_HOST: `ssh://root@127.0.0.1:${proxyPort}`,
        HOME: home,
        SSH_AUTH_SOCK: agentSock,
        XDG_CACHE_HOME: path.join(dir, 'cache'),
      });
      delete process.env.DOCKER_CONTEXT;
      delete process.env.DOCKER_CONFIG;
    });

    afterEach(async () => {
      for (const e of opened.splice(0)) e.ssh?.close();
      for (const c of proxied) c.destroy();
      hold.clear();
    });

    afterAll(async () => {
      await new Promise((r) => proxy?.close(r));
      await new Promise((r) => server?.close(r));
      for (const e of engines) await new Promise((r) => e.close(r));
      agent?.kill();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** A fresh client (a new command), with no kept answer unless `keep` says what the last command found. */
    async function command(
      s: Partial<Script> = {},
      keep?: { socket: string; inputs: string },
      waits: Partial<SshWaits> = {},
    ): Promise<Engine> {
      script = { ...defaults(), ...s };
      seen.length = 0;
      logins = refused = dialStdio = queries = checks = maxOpen = 0;
      const cache = path.join(dir, 'cache', 'demo-fleet', 'ssh-engines.json');
      await rm(cache, { force: true });
      if (keep) {
        await mkdir(path.dirname(cache), { recursive: true });
        await writeFile(cache, JSON.stringify({ [`root@[127.0.0.1]:${proxyPort}`]: keep }));
      }
      const engine = connectEngine(ENGINE_TIMEOUTS, { ...SSH_WAITS, ...waits });
      opened.push(engine);
      return engine;
    }

    const list = (e: Engine) => e.docker.listContainers({ all: true });

    it('a GET cut by a dropped connection is sent again over one new login; a create is not', async () => {
      const e = await command();
      expect(await list(e)).toEqual([]);
      // the next listing: the connection drops while the engine holds it, then the engine answers again
      let cut = 0;
      hold.set('GET /containers/json', (res) => {
        if (cut++ === 0) {
          for (const c of proxied) c.destroy();
          return; // never answered on the dropped connection
        }
        res.end('[]');
      });
      expect(await list(e)).toEqual([]);
      expect(seen.filter((r) => r.method === 'GET' && r.url.includes('/containers/json'))).toHaveLength(3);
      expect(e.ssh!.logins).toBe(2);
      expect(e.ssh!.drops).toBe(1);
      expect(logins).toBe(2);

      // a create in flight when the connection drops may have reached the engine: not repeated
      hold.set('POST /containers/create', () => {
        for (const c of proxied) c.destroy();
      });
      await expect(e.docker.createContainer({ Image: 'x', name: 'y' })).rejects.toThrow();
      expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
      hold.clear();
      // and the command goes on over a third login
      expect(await list(e)).toEqual([]);
      expect(e.ssh!.logins).toBe(3);
    });

    /** The server's engine is not a unix socket: every channel runs dial-stdio (a session). */
    const tcpEngine = { query: { answer: 'tcp://10.0.0.1:2375' } };

    it('forwarding refused (AllowStreamLocalForwarding no): requests opened at once all fall back to dial-stdio', async () => {
      const e = await command({ forwarding: false });
      expect(await list(e)).toEqual([]);
      await e.ssh!.confirmed(); // the server named a unix socket: the next channels try to forward it
      const all = await Promise.all(Array.from({ length: 4 }, () => list(e)));
      expect(all).toEqual([[], [], [], []]);
      expect(dialStdio).toBeGreaterThan(1);
      expect(e.ssh!.logins).toBe(1);
    });

    it('past MaxSessions: a refused channel teaches the limit, an idle one is closed for room; one login', async () => {
      const e = await command({ maxSessions: 2, ...tcpEngine });
      // more requests at once than the server allows sessions: all answered, never more than 2 sessions open
      const all = await Promise.all(Array.from({ length: 8 }, () => list(e)));
      expect(all).toEqual(Array.from({ length: 8 }, () => []));
      expect(maxOpen).toBeLessThanOrEqual(2);
      expect(dialStdio).toBeGreaterThan(0);
      expect(e.ssh!.logins).toBe(1);
    });

    it('streams past MaxSessions open a second connection once the wait for a slot is over', async () => {
      const e = await command({ maxSessions: 2, ...tcpEngine }, undefined, { overflowMs: 200 });
      const waiting: http.ServerResponse[] = [];
      hold.set('GET /containers/c1/logs', (res) => {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
        res.write('x');
        waiting.push(res);
      });
      const follow = () => e.docker.getContainer('c1').logs({ follow: true, stdout: true }) as Promise<NodeJS.ReadableStream>;
      const streams = [await follow(), await follow(), await follow()];
      expect(streams).toHaveLength(3);
      expect(e.ssh!.logins).toBe(2);
      for (const r of waiting) r.end();
      for (const s of streams) (s as unknown as { destroy: () => void }).destroy();
    });

    it('a server whose `docker context inspect` never answers: requests go on over dial-stdio once the bound is over', async () => {
      const e = await command({ query: 'hang' }, undefined, { engineQueryMs: 300 });
      // the first takes a dial-stdio channel at once; the others wait for the answer, which never comes
      const all = await Promise.all([list(e), list(e), list(e)]);
      expect(all).toEqual([[], [], []]);
      expect(queries).toBe(1);
      expect(e.ssh!.logins).toBe(1);
      // a create waits for the server's answer too: the bound lets it through
      const created = await e.docker.createContainer({ Image: 'x', name: 'y' });
      expect(created.id).toBe('c0ffee');
    });

    it('an idle channel whose close the server never confirms does not hold the command: a second connection after the bounds', async () => {
      const e = await command({ maxSessions: 2, ignoreClose: true, ...tcpEngine }, undefined, { closeIdleMs: 200, overflowMs: 200 });
      expect(await list(e)).toEqual([]); // leaves an idle keep-alive channel (a session) behind
      // two streams need two new sessions: one fits, the other is refused; closing the idle one is never confirmed
      const waiting: http.ServerResponse[] = [];
      hold.set('GET /containers/c1/logs', (res) => {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
        res.write('x');
        waiting.push(res);
      });
      const follow = () => e.docker.getContainer('c1').logs({ follow: true, stdout: true }) as Promise<NodeJS.ReadableStream>;
      const streams = await Promise.all([follow(), follow()]);
      expect(streams).toHaveLength(2);
      expect(e.ssh!.logins).toBe(2);
      for (const r of waiting) r.end();
      for (const s of streams) (s as unknown as { destroy: () => void }).destroy();
    });

    it('the engine socket the last command found is used from the first request; a shell checks it, no docker CLI starts', async () => {
      const e = await command({}, { socket: engineSock, inputs: '||/root/.docker|/usr/bin/docker' });
      expect(await list(e)).toEqual([]);
      const created = await e.docker.createContainer({ Image: 'x', name: 'y' });
      expect(created.id).toBe('c0ffee');
      expect(dialStdio).toBe(0);
      expect(checks).toBe(1); // still checked, before the create
      expect(queries).toBe(0);
      expect(seen.every((r) => r.engine === 'engine')).toBe(true);
    });

    it('when what the docker CLI decides by changed, it is asked again; the same socket: the command goes on, the new inputs are kept', async () => {
      const e = await command(
        { inputs: 'h=unix:///run/user/1000/docker.sock||/root/.docker|/usr/bin/docker' },
        { socket: engineSock, inputs: '||/root/.docker|/usr/bin/docker' },
      );
      expect(await list(e)).toEqual([]);
      expect((await e.docker.createContainer({ Image: 'x', name: 'y' })).id).toBe('c0ffee');
      expect([checks, queries, dialStdio]).toEqual([1, 1, 0]);
      const kept = JSON.parse(await readFile(path.join(dir, 'cache', 'demo-fleet', 'ssh-engines.json'), 'utf8')) as Record<string, unknown>;
      expect(kept).toEqual({
        [`root@[127.0.0.1]:${proxyPort}`]: {
          socket: engineSock,
          inputs: 'h=unix:///run/user/1000/docker.sock||/root/.docker|/usr/bin/docker',
        },
      });
    });

    it('without a kept answer the first request runs dial-stdio, and the answer is kept for the next command', async () => {
      const e = await command();
      expect(await list(e)).toEqual([]);
      expect(dialStdio).toBe(1);
      await e.ssh!.confirmed();
      const kept = JSON.parse(await readFile(path.join(dir, 'cache', 'demo-fleet', 'ssh-engines.json'), 'utf8')) as Record<string, string>;
      expect(kept).toEqual({ [`root@[127.0.0.1]:${proxyPort}`]: { socket: engineSock, inputs: '||/root/.docker|/usr/bin/docker' } });
    });

    it('a kept socket the server no longer names: reads went there, so the command stops before any change; the new answer is kept', async () => {
      // the last command found `other`; the server's docker config changed since, and its docker CLI
      // now names `engine` (answering late)
      const e = await command(
        {
          query: { answer: `unix://${engineSock}`, delayMs: 300 },
          inputs: 'h=unix:///run/user/1000/docker.sock||/root/.docker|/usr/bin/docker',
        },
        { socket: otherSock, inputs: '||/root/.docker|/usr/bin/docker' },
      );
      expect(await list(e)).toEqual([]);
      expect(seen.map((r) => r.engine)).toEqual(['other']);
      await expect(e.docker.createContainer({ Image: 'x', name: 'y' })).rejects.toThrow(
        `the server's docker CLI now reaches its engine at unix://${engineSock}, not at unix://${otherSock} as when demo-fleet last connected; nothing was changed: run the command again`,
      );
      expect(seen.filter((r) => r.method === 'POST')).toEqual([]);
      await expect(list(e)).rejects.toThrow('run the command again');
      const kept = JSON.parse(await readFile(path.join(dir, 'cache', 'demo-fleet', 'ssh-engines.json'), 'utf8')) as Record<string, unknown>;
      expect(kept[`root@[127.0.0.1]:${proxyPort}`]).toEqual({
        socket: engineSock,
        inputs: 'h=unix:///run/user/1000/docker.sock||/root/.docker|/usr/bin/docker',
      });
    });
  },
);
