/**
 * A throwaway sshd for DOCKER_HOST=ssh:// tests, as test/integration/engine-ssh.test.ts sets one up: own
 * config, host key and authorized key in a temp dir, 127.0.0.1 on a free high port, root by key only; a
 * throwaway ssh-agent holding the client key; HOME a temp dir whose known_hosts has the host key. The
 * "remote" is this machine, so the CLI's `docker system dial-stdio` reaches the local engine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exec, waitFor } from './engine-fixture.js';
import { requirement, type Requirement } from './requirements.js';

const SSHD = '/usr/sbin/sshd';

/** openssh-server and the client tools (sshd installed with apt-get when missing, as engine-ssh does). */
export function sshdAvailable(): Requirement {
  return requirement('openssh-server (sshd) and ssh-agent', () => {
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
    for (const bin of ['ssh-agent', 'ssh-add', 'ssh-keygen']) execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' });
    return true;
  });
}

export interface TestSshd {
  port: number;
  /** Its temp dir (keys, config; `host_key.pub` is the server's public key), removed by stop(). */
  dir: string;
  /** The host key as ssh records it in known_hosts (`[127.0.0.1]:<port> <type> <key>`). */
  hostKeyLine: string;
  /** DOCKER_HOST, SSH_AUTH_SOCK and HOME for the CLI. */
  env: Record<string, string>;
  /** sshd's log so far. */
  log: () => string;
  stop: () => Promise<void>;
}

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

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** SIGTERM, then SIGKILL after 5 s; resolves when the child is gone. */
export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

export async function startSshd(tag: string): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-sshd-${tag}-`));
  let sshdProc: ChildProcess | undefined;
  let agentProc: ChildProcess | undefined;
  let log = '';
  const stop = async () => {
    await stopChild(sshdProc);
    await stopChild(agentProc);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const keygen = async (file: string) => {
      const r = await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo-fleet-test', '-f', file]);
      if (r.code !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
    };
    await keygen(path.join(dir, 'host_key'));
    await keygen(path.join(dir, 'client_key'));
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'client_key.pub')), { mode: 0o600 });
    const port = await freePort();
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
        'LogLevel VERBOSE', // "Closing connection to ..." when a login's connection ends (engine-ssh counts logins)
        '',
      ].join('\n'),
    );
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
    sshdProc = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    sshdProc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    sshdProc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(
      `sshd on 127.0.0.1:${port}`,
      async () => {
        if (sshdProc!.exitCode !== null) throw new Error(`sshd exited ${sshdProc!.exitCode}: ${log}`);
        return accepts(port);
      },
      15_000,
      100,
    );
    const agentSock = path.join(dir, 'agent.sock');
    agentProc = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await waitFor('ssh-agent socket', async () => existsSync(agentSock), 15_000, 50);
    const add = await exec('ssh-add', [path.join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
    if (add.code !== 0) throw new Error(`ssh-add: ${add.stderr}`);
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.ssh'), { recursive: true });
    const hostKeyLine = `[127.0.0.1]:${port} ${(await readFile(path.join(dir, 'host_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}`;
    await writeFile(path.join(home, '.ssh', 'known_hosts'), `${hostKeyLine}\n`);
    return {
      port,
      dir,
      hostKeyLine,
      env: { DOCKER_HOST: `ssh://root@127.0.0.1:${port}`, SSH_AUTH_SOCK: agentSock, HOME: home },
      log: () => log,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
