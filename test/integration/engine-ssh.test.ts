/**
 * DOCKER_HOST=ssh://: `up` and `status --json` through a real sshd. A throwaway sshd (own config, host
 * key and authorized key in a temp dir, 127.0.0.1 on a free high port, root by key only) and a
 * throwaway ssh-agent holding the client key; docker-modem connects with the agent and runs
 * `docker system dial-stdio` on the "remote" (this machine), which talks to the local engine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextDirName } from '../../cli/targets/docker/docker-context.js';
import { ensureBaseImage, exec, expectOk, fleets, inspectContainer, waitFor, type TestFleet } from '../helpers/engine-fixture.js';
import { dockerEngine, requirement } from '../helpers/requirements.js';

const SSHD = '/usr/sbin/sshd';

const engine = dockerEngine();

/** openssh-server (installed with apt-get when missing) and the client tools. */
const sshd = engine.ok
  ? requirement('openssh-server (sshd) and ssh-agent', () => {
      if (!existsSync(SSHD)) {
        const apt = (args: string[]) =>
          execFileSync('apt-get', args, { stdio: 'pipe', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
        try {
          apt(['install', '-y', '--no-install-recommends', 'openssh-server', 'openssh-client']);
        } catch {
          apt(['update']);
          apt(['install', '-y', '--no-install-recommends', 'openssh-server', 'openssh-client']);
        }
      }
      if (!existsSync(SSHD)) return `${SSHD} missing after apt-get install openssh-server`;
      for (const bin of ['ssh-agent', 'ssh-add', 'ssh-keygen']) {
        execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' }); // throws: "<bin> not found"
      }
      return true;
    })
  : { ok: false };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

describe.skipIf(!engine.ok || !sshd.ok)('engine over DOCKER_HOST=ssh:// (throwaway sshd + ssh-agent)', () => {
  const make = fleets();
  let dir = '';
  let port = 0;
  let sshdProc: ChildProcess | undefined;
  let agentProc: ChildProcess | undefined;
  let sshdLog = '';
  let agentSock = '';
  let f: TestFleet;
  let sshEnv: Record<string, string>;

  beforeAll(async () => {
    await ensureBaseImage();
    dir = await mkdtemp(path.join(tmpdir(), 'demo-fleet-sshd-'));
    const keygen = async (file: string) => {
      const r = await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo-fleet-test', '-f', file]);
      if (r.code !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
    };
    await keygen(path.join(dir, 'host_key'));
    await keygen(path.join(dir, 'client_key'));
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'client_key.pub')), { mode: 0o600 });
    port = await freePort();
    await writeFile(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${dir}/host_key`,
        `PidFile ${dir}/sshd.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'MaxStartups 100:30:200', // docker-modem opens one ssh connection per API request
        'MaxSessions 100',
        '',
      ].join('\n'),
    );
    // sshd refuses to start without its privilege separation directory
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    sshdProc = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    sshdProc.stdout!.on('data', (d: Buffer) => (sshdLog += d.toString()));
    sshdProc.stderr!.on('data', (d: Buffer) => (sshdLog += d.toString()));
    await waitFor(
      `sshd on 127.0.0.1:${port}`,
      async () => {
        if (sshdProc!.exitCode !== null) throw new Error(`sshd exited ${sshdProc!.exitCode}: ${sshdLog}`);
        return accepts(port);
      },
      15_000,
      100,
    );

    agentSock = path.join(dir, 'agent.sock');
    agentProc = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await waitFor('ssh-agent socket', async () => existsSync(agentSock), 15_000, 50);
    const add = await exec('ssh-add', [path.join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
    if (add.code !== 0) throw new Error(`ssh-add: ${add.stderr}`);

    sshEnv = { DOCKER_HOST: `ssh://root@127.0.0.1:${port}`, SSH_AUTH_SOCK: agentSock };
    f = await make({ events: { alpha: [], beta: ['--funnel'], gamma: [] } });
    // Over ssh:// the state dirs are on the engine's host: appdata must be absolute there.
    await writeFile(f.file, (await readFile(f.file, 'utf8')).replace(/^appdata: .*$/m, `appdata: ${path.join(f.dir, 'appdata')}`));
  });

  afterAll(async () => {
    await stop(sshdProc);
    await stop(agentProc);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('13. up and status --json converge and report through ssh', async () => {
    const before = (sshdLog.match(/Accepted publickey for root/g) ?? []).length;
    const up = expectOk(await f.up([], { env: sshEnv }), 'up over ssh');
    expect(up.stderr).toContain(`ssh://root@127.0.0.1:${port} (API `);
    expect(up.stderr).not.toContain('DeprecationWarning');
    for (const e of ['alpha', 'beta', 'gamma']) expect(up.stderr).toMatch(new RegExp(`${e}: served https://${e}\\d{4}\\.`)); // read through exec, over ssh
    // it really went through sshd: key logins, one per API request
    const logins = (sshdLog.match(/Accepted publickey for root/g) ?? []).length - before;
    expect(logins).toBeGreaterThan(5);

    // the engine (seen directly) has them, healthy
    for (const e of ['alpha', 'beta', 'gamma']) {
      expect((await inspectContainer(f.container(e)))?.State.Health?.Status, e).toBe('healthy');
    }

    const status = expectOk(await f.cli(['status', '--json'], { env: sshEnv }), 'status --json over ssh');
    const rows = JSON.parse(status.stdout) as Array<{ event: string; state: string; health: string; image: string; inFleet: boolean }>;
    expect(rows.map((r) => [r.event, r.state, r.health, r.image, r.inFleet])).toEqual(
      ['alpha', 'beta', 'gamma'].map((e) => [e, 'running', 'healthy', `${f.image}:${e}`, true]),
    );

    // a second up over ssh: nothing to do
    const again = expectOk(await f.up(['--json'], { env: sshEnv }), 'second up over ssh');
    const plan = JSON.parse(again.stdout) as { built: boolean; plan: Array<{ action: string }> };
    expect(plan.built).toBe(false);
    expect(plan.plan.map((p) => p.action)).toEqual(['keep', 'keep', 'keep']);

    const down = expectOk(await f.cli(['down'], { env: sshEnv }), 'down over ssh');
    expect(down.stdout).toContain(`removed `);
    for (const e of ['alpha', 'beta', 'gamma']) expect(await inspectContainer(f.container(e))).toBeNull();
  });

  it('13b. a Docker context with an ssh:// endpoint (DOCKER_CONTEXT, no DOCKER_HOST): status and doctor go through sshd', async () => {
    const config = path.join(dir, 'docker-config');
    const meta = path.join(config, 'contexts', 'meta', contextDirName('vps'));
    await mkdir(meta, { recursive: true });
    const host = `ssh://root@127.0.0.1:${port}`;
    await writeFile(
      path.join(meta, 'meta.json'),
      JSON.stringify({ Name: 'vps', Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
    );
    const env = { DOCKER_HOST: undefined, DOCKER_CONFIG: config, DOCKER_CONTEXT: 'vps', SSH_AUTH_SOCK: agentSock };
    const before = (sshdLog.match(/Accepted publickey for root/g) ?? []).length;
    const status = expectOk(await f.cli(['status', '--json'], { env }), 'status --json through the context');
    expect((JSON.parse(status.stdout) as Array<{ event: string }>).map((r) => r.event)).toEqual(['alpha', 'beta', 'gamma']);
    const doctor = await f.cli(['doctor', '--json'], { env });
    const findings = (JSON.parse(doctor.stdout) as { findings: Array<{ check: string; status: string; message: string }> }).findings;
    expect(findings.find((x) => x.check === 'docker-host')).toEqual({
      check: 'docker-host',
      status: 'ok',
      message: `${host} (from Docker context "vps" (DOCKER_CONTEXT))`,
    });
    expect(findings.find((x) => x.check === 'engine')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(`answers at ${host}`),
    });
    expect((sshdLog.match(/Accepted publickey for root/g) ?? []).length - before).toBeGreaterThan(2);
  });

  it('13c. the audit log is written and read through ssh: up, up, down', async () => {
    const r = expectOk(await f.cli(['audit', '--json'], { env: sshEnv }), 'audit --json over ssh');
    const log = JSON.parse(r.stdout) as { dir: string; entries: Array<{ command: string; outcome: string; revision: string | null }> };
    expect(log.entries.map((e) => [e.command, e.outcome])).toEqual([
      ['up', 'ok'],
      ['up', 'ok'],
      ['down', 'ok'],
    ]);
    expect(log.entries[0]!.revision).toMatch(/^[0-9a-f]{7}-[0-9a-f]{12}$/);
    // on the engine's host (this machine): one file per entry, one JSON line each
    expect(log.dir).toBe(path.join(f.dir, 'appdata', '.demo-fleet', 'audit'));
    const files = (await readdir(log.dir)).sort();
    expect(files).toHaveLength(3);
    expect(JSON.parse(await readFile(path.join(log.dir, files[2]!), 'utf8')).command).toBe('down');
  });
});
