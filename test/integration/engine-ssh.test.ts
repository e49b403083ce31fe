/**
 * DOCKER_HOST=ssh://: `up` and `status --json` through a real sshd. A throwaway sshd (own config, host
 * key and authorized key in a temp dir, 127.0.0.1 on a free high port, root by key only, sshd's default
 * MaxSessions of 10) and a throwaway ssh-agent holding the client key; the CLI logs in with the agent,
 * checks the host key against $HOME/.ssh/known_hosts (HOME is the temp dir) and runs
 * `docker system dial-stdio` on the "remote" (this machine), which talks to the local engine.
 *
 * Logins are counted from sshd's log ("Accepted publickey for root"): each command must log in once,
 * whatever number of requests, execs and streams it makes.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextDirName } from '../../cli/targets/docker/docker-context.js';
import { CLI_PATH, cliEnv } from '../helpers/cli.js';
import { ensureBaseImage, exec, expectOk, fleets, inspectContainer, waitFor, type TestFleet } from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';
import { sshdAvailable, startSshd, stopChild, type TestSshd } from '../helpers/sshd.js';

const engine = dockerEngine();
const sshd = engine.ok ? sshdAvailable() : { ok: false };

describe.skipIf(!engine.ok || !sshd.ok)('engine over DOCKER_HOST=ssh:// (throwaway sshd + ssh-agent)', () => {
  const make = fleets();
  let server: TestSshd | undefined;
  let dir = '';
  let port = 0;
  let agentSock = '';
  let f: TestFleet;
  let sshEnv: Record<string, string>;
  let home = '';
  let hostKeyLine = '';

  const count = (re: RegExp) => (server?.log().match(re) ?? []).length;
  /** How sshd logs the end of a connection: a clean close, or a reset (a CLI that exits without closing). */
  const CONNECTION_ENDS = /^(Closing connection to|Read error from remote host|Connection reset by) /gm;
  /**
   * The logins `run` made: sshd's "Accepted publickey" lines, counted once sshd has logged the end of
   * every connection (its log arrives through a pipe, after the CLI has exited).
   */
  const loginsOf = async <T>(run: () => Promise<T>): Promise<{ result: T; logins: number }> => {
    const before = count(/Accepted publickey for root/g);
    const result = await run();
    await waitFor('sshd to log the end of every connection', async () => count(CONNECTION_ENDS) >= count(/Accepted publickey for root/g));
    return { result, logins: count(/Accepted publickey for root/g) - before };
  };

  beforeAll(async () => {
    await ensureBaseImage();
    server = await startSshd('engine-ssh');
    ({ dir, port, hostKeyLine } = server);
    sshEnv = server.env;
    home = sshEnv.HOME!;
    agentSock = sshEnv.SSH_AUTH_SOCK!;
    f = await make({ events: { alpha: [], beta: ['--funnel'], gamma: [] } });
    // Over ssh:// the state dirs are on the engine's host: appdata must be absolute there.
    await writeFile(f.file, (await readFile(f.file, 'utf8')).replace(/^appdata: .*$/m, `appdata: ${path.join(f.dir, 'appdata')}`));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('13. up, status, a no-op up, an up that re-creates, logs -f, down: one SSH login per command', async () => {
    const up = await loginsOf(async () => expectOk(await f.up([], { env: sshEnv }), 'up over ssh'));
    expect(up.result.stderr).toContain(`ssh://root@127.0.0.1:${port} (API `);
    expect(up.result.stderr).not.toContain('DeprecationWarning');
    for (const e of ['alpha', 'beta', 'gamma']) expect(up.result.stderr).toMatch(new RegExp(`${e}: served https://${e}\\d{4}\\.`)); // read through exec, over ssh
    // build, creates, starts, and every readiness look (an exec each): one connection
    expect(up.logins).toBe(1);
    // it went through sshd: the first channels run dial-stdio (sessions) until the server's docker CLI
    // said where its engine socket is; later ones forward that socket (sshd logs no session for those)
    expect(count(/Starting session: command for root/g)).toBeGreaterThanOrEqual(1);

    // the engine (seen directly) has them, healthy
    for (const e of ['alpha', 'beta', 'gamma']) {
      expect((await inspectContainer(f.container(e)))?.State.Health?.Status, e).toBe('healthy');
    }

    const status = await loginsOf(async () => expectOk(await f.cli(['status', '--json'], { env: sshEnv }), 'status --json over ssh'));
    const rows = JSON.parse(status.result.stdout) as Array<{
      event: string;
      state: string;
      health: string;
      image: string;
      inFleet: boolean;
    }>;
    expect(rows.map((r) => [r.event, r.state, r.health, r.image, r.inFleet])).toEqual(
      // each runs its revision's tag (the per-event tag only points at it)
      ['alpha', 'beta', 'gamma'].map((e) => [e, 'running', 'healthy', expect.stringMatching(new RegExp(`^${f.image}:rev-`)), true]),
    );
    expect(status.logins).toBe(1);

    // a second up over ssh: nothing to do
    const again = await loginsOf(async () => expectOk(await f.up(['--json'], { env: sshEnv }), 'second up over ssh'));
    const plan = JSON.parse(again.result.stdout) as { built: boolean; plan: Array<{ action: string }> };
    expect(plan.built).toBe(false);
    expect(plan.plan.map((p) => p.action)).toEqual(['keep', 'keep', 'keep']);
    expect(again.logins).toBe(1);

    // one event changed: stop, remove, create, start and wait until served, in the same one connection
    expectOk(await f.cli(['add', 'beta', '--update', '--invite-link', 'https://login.tailscale.com/admin/invite/beta-2']), 'add --update');
    const recreate = await loginsOf(async () => expectOk(await f.up(['--json'], { env: sshEnv }), 'up with a re-create over ssh'));
    const replan = JSON.parse(recreate.result.stdout) as {
      plan: Array<{ event: string; action: string }>;
      results: Array<{ event: string; status: string }>;
    };
    expect(Object.fromEntries(replan.plan.map((p) => [p.event, p.action]))).toEqual({ alpha: 'keep', beta: 'recreate', gamma: 'keep' });
    expect(replan.results.find((r) => r.event === 'beta')?.status).toMatch(/^served /);
    expect(recreate.logins).toBe(1);

    // logs -f: a stream per event, all on one connection, while it follows
    const follow = await loginsOf(async () => {
      const child = spawn(process.execPath, [CLI_PATH, 'logs', '-f', '--tail', '2'], {
        cwd: f.dir,
        env: cliEnv({ ...f.env, ...sshEnv }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(
          'logs -f to print lines of every event',
          async () => ['alpha', 'beta', 'gamma'].every((e) => new RegExp(`^${e} +\\| `, 'm').test(out)), // names padded to one width
          30_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; it printed:\n${out}`);
        });
        expect(count(/Starting session: command for root/g)).toBeGreaterThan(0);
        return out;
      } finally {
        await stopChild(child);
      }
    });
    expect(follow.logins).toBe(1);

    const down = await loginsOf(async () => expectOk(await f.cli(['down'], { env: sshEnv }), 'down over ssh'));
    expect(down.result.stdout).toContain(`removed `);
    expect(down.logins).toBe(1);
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
    const env = { DOCKER_HOST: undefined, DOCKER_CONFIG: config, DOCKER_CONTEXT: 'vps', SSH_AUTH_SOCK: agentSock, HOME: home };
    // the fleet is down by now: status lists its events as missing (exit 5), read through the context's sshd
    const status = await loginsOf(() => f.cli(['status', '--json'], { env }));
    expect(status.result.code, status.result.stderr).toBe(5);
    expect((JSON.parse(status.result.stdout) as Array<{ event: string }>).map((r) => r.event)).toEqual(['alpha', 'beta', 'gamma']);
    expect(status.logins).toBe(1);
    const doctor = await loginsOf(() => f.cli(['doctor', '--json'], { env }));
    const findings = (JSON.parse(doctor.result.stdout) as { findings: Array<{ check: string; status: string; message: string }> }).findings;
    expect(findings.find((x) => x.check === 'docker-host')).toEqual({
      check: 'docker-host',
      status: 'ok',
      message: `${host} (from Docker context "vps" (DOCKER_CONTEXT))`,
    });
    expect(findings.find((x) => x.check === 'engine')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(`answers at ${host}`),
    });
    expect(doctor.logins).toBe(1);
  });

  it('13c. the audit log is written and read through ssh: up, up, up, down', async () => {
    const r = expectOk(await f.cli(['audit', '--json'], { env: sshEnv }), 'audit --json over ssh');
    const log = JSON.parse(r.stdout) as { dir: string; entries: Array<{ command: string; outcome: string; revision: string | null }> };
    expect(log.entries.map((e) => [e.command, e.outcome])).toEqual([
      ['up', 'ok'],
      ['up', 'ok'],
      ['up', 'ok'],
      ['down', 'ok'],
    ]);
    expect(log.entries[0]!.revision).toMatch(/^[0-9a-f]{7}-[0-9a-f]{12}$/);
    // on the engine's host (this machine): one file per entry, one JSON line each
    expect(log.dir).toBe(path.join(f.dir, 'appdata', '.demo-fleet', 'audit'));
    const files = (await readdir(log.dir)).sort();
    expect(files).toHaveLength(4);
    expect(JSON.parse(await readFile(path.join(log.dir, files[3]!), 'utf8')).command).toBe('down');
  });

  /** `status` with this known_hosts file in a home of its own. */
  const statusWithKnownHosts = async (name: string, text: string) => {
    const otherHome = path.join(dir, name);
    await mkdir(path.join(otherHome, '.ssh'), { recursive: true });
    await writeFile(path.join(otherHome, '.ssh', 'known_hosts'), text);
    return loginsOf(() => f.cli(['status'], { env: { ...sshEnv, HOME: otherHome } }));
  };

  const fingerprintOf = async (pub: string) => {
    const r = await exec('ssh-keygen', ['-l', '-f', pub]);
    return r.stdout.split(' ')[1]!; // "256 SHA256:... comment (ED25519)"
  };

  it('13d. an unknown host key is refused with its fingerprint and how to record it; nothing is sent after the key exchange', async () => {
    const r = await statusWithKnownHosts('home-unknown', '');
    expect(r.result.code).toBe(3);
    expect(r.result.stderr).toContain(`the host key of [127.0.0.1]:${port} is not in known_hosts`);
    expect(r.result.stderr).toContain(await fingerprintOf(path.join(dir, 'host_key.pub')));
    expect(r.result.stderr).toContain(`\`ssh -p ${port} root@127.0.0.1 true\``);
    expect(r.result.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.logins).toBe(0);
  });

  it('13e. a changed host key is refused, naming the known_hosts line and `ssh-keygen -R`', async () => {
    const other = path.join(dir, 'other_host_key');
    const made = await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    expect(made.code, made.stderr).toBe(0);
    const line = `[127.0.0.1]:${port} ${(await readFile(`${other}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')}`;
    const r = await statusWithKnownHosts('home-changed', `# another server was here\n${line}\n`);
    expect(r.result.code).toBe(3);
    expect(r.result.stderr).toContain(`the host key of [127.0.0.1]:${port} has CHANGED`);
    expect(r.result.stderr).toContain(`${path.join(dir, 'home-changed', '.ssh', 'known_hosts')}:2 has another`);
    expect(r.result.stderr).toContain(`ssh-keygen -R '[127.0.0.1]:${port}'`);
    expect(r.logins).toBe(0);
  });

  it('13f. a known host key in a hashed known_hosts (ssh-keygen -H) is accepted', async () => {
    const hashedHome = path.join(dir, 'home-hashed');
    await mkdir(path.join(hashedHome, '.ssh'), { recursive: true });
    const file = path.join(hashedHome, '.ssh', 'known_hosts');
    await writeFile(file, `${hostKeyLine}\n`);
    const hashed = await exec('ssh-keygen', ['-H', '-f', file]);
    expect(hashed.code, hashed.stderr).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^\|1\|/);
    const r = await loginsOf(() => f.cli(['status', '--json'], { env: { ...sshEnv, HOME: hashedHome } }));
    // through sshd to the engine: the (downed) fleet's events are listed as missing, exit 5, no host-key error
    expect(r.result.code, r.result.stderr).toBe(5);
    expect(r.result.stderr).toMatch(/^error: 3 of 3 event\(s\) have no container/);
    expect(r.logins).toBe(1);
  });
});
