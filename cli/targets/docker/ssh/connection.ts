/**
 * One SSH connection per command for an ssh:// engine. docker-modem opens a new ssh2 connection (TCP,
 * key exchange, login) for every engine request; on a VPS 50–150 ms away that is several round trips
 * each. Here the first request opens one connection and every request, exec and stream of the command
 * is a channel on it running `docker system dial-stdio` on the server, as the docker CLI runs it
 * (docker/cli cli/connhelper/connhelper.go:52-56 at 29e34ab, `--host=unix://<path>` when the URL has a
 * path).
 *
 * - Host keys: checked against the user's known_hosts (known-hosts.ts); unknown or changed is an
 *   EngineError naming the fix, never accepted.
 * - Channels to the engine's socket: a dial-stdio channel starts the docker CLI on the server, which
 *   costs a process start (0.1–0.5 s) per channel, and every exec (hijacked) needs a channel of its
 *   own. So once per connection the server's docker CLI is asked where its engine is (`docker context
 *   inspect`, the endpoint dial-stdio itself would dial); when that is a unix socket, later channels
 *   are OpenSSH socket forwards to it (direct-streamlocal@openssh.com: no process, one round trip, and
 *   not a session under MaxSessions). Until the answer, and if the server forbids forwarding
 *   (AllowStreamLocalForwarding no) or the endpoint is not a socket, channels run dial-stdio.
 * - The answer is kept for the next command (engine-socket-cache.ts): with it, the first request is
 *   forwarded at once, before the server's docker CLI has started. The server is still asked; until it
 *   has answered, only reading requests go through (`confirmed()` holds the others), and an answer
 *   that differs from the kept one fails the command (EngineError: run it again) rather than let it
 *   act on what another engine said. An answer that does not come within SSH_WAITS.engineQueryMs counts as
 *   none: the kept socket stays, else dial-stdio.
 * - Dropped connection: the next channel opens one new connection; a connection that could not be
 *   opened is not tried again in the same command (its error is every later request's error).
 * - sshd's session limit (MaxSessions, 10 by default, sshd_config(5)) bounds the channels of one
 *   connection. A refused channel teaches the limit; then an idle channel is closed to make room, or
 *   the dial waits for one to close, and only after SSH_WAITS.overflowMs opens a second connection (e.g.
 *   `logs -f` of more events than the limit).
 * - The connection keeps the process alive only while a channel is in use or a dial is pending.
 */
import net from 'node:net';
import os from 'node:os';
// The default import, not `{ Client }`: the CLI bundle loads ssh2 on first use through a stand-in
// (scripts/bundle-cli.mjs) whose members are looked up by name, and a named import copies them at load.
import ssh2, { type Client, type ClientChannel, type ServerHostKeyAlgorithm } from 'ssh2';
import { EngineError } from '../../../errors.js';
import { ChannelSocket } from './channel-socket.js';
import { cachedEngineSocket, type EngineSocketEntry, engineSocketCacheFile, rememberEngineSocket } from './engine-socket-cache.js';
import {
  checkHostKey,
  defaultKnownHostsFiles,
  fingerprint,
  type HostKeyVerdict,
  keyTypeOf,
  knownHostsName,
  preferredHostKeyAlgorithms,
  readKnownHosts,
} from './known-hosts.js';

export interface SshEndpoint {
  /** The ssh:// address as given, for messages. */
  url: string;
  host: string;
  port: number;
  username: string;
  /** What each channel runs on the server: a bridge from its stdin/stdout to the engine. */
  command: string;
  /** The engine socket the URL names (ssh://host/run/docker.sock), else the server's docker CLI decides. */
  socketPath: string | undefined;
  /** SSH_AUTH_SOCK: keys come from the agent, as with docker-modem before. */
  agentSocket: string | undefined;
  knownHostsFiles: string[];
  /** Where the server's last answer is kept (engine-socket-cache.ts); undefined: not kept (the URL names the socket). */
  socketCacheFile: string | undefined;
}

/** Bounds of the connection's own waits; tests shorten them. */
export interface SshWaits {
  /** How long the server's docker CLI may take to say where its engine is. */
  engineQueryMs: number;
  /** How long closing an idle channel may wait for the server to confirm the close (and free its session). */
  closeIdleMs: number;
  /** How long a dial waits for a channel slot when sshd's session limit is reached, before a second connection. */
  overflowMs: number;
}

export const SSH_WAITS: SshWaits = { engineQueryMs: 10_000, closeIdleMs: 2_000, overflowMs: 2_000 };

/** How long the TCP connect, key exchange and login may take (the docker CLI's ssh gets ConnectTimeout=30, connhelper.go:85). */
const CONNECT_TIMEOUT_MS = 30_000;
/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1): what OpenSSH answers past MaxSessions. */
const OPEN_PROHIBITED = 1;
/**
 * What decides where the server's docker CLI connects (DOCKER_HOST, else DOCKER_CONTEXT, else
 * currentContext in the config dir's config.json, that context's endpoint in the context store; and
 * which `docker` runs), printed by shell builtins alone: no docker CLI start, no other process (each
 * costs 0.1 s and more on a busy server). Only the currentContext entry of config.json is printed:
 * the rest may hold registry credentials. POSIX sh; no single quote (ENGINE_QUERY wraps it in some).
 */
const CLI_INPUTS = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, not a template
  'd="${DOCKER_CONFIG:-$HOME/.docker}";',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, not a template
  'printf "%s|" "${DOCKER_HOST+h=$DOCKER_HOST}" "${DOCKER_CONTEXT+c=$DOCKER_CONTEXT}" "$d";',
  'command -v docker;',
  'for f in "$d/config.json" "$d"/contexts/meta/*/meta.json; do [ -f "$f" ] || continue; while IFS= read -r l || [ -n "$l" ]; do case $f in',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, not a template
  '*/config.json) case $l in *\\"currentContext\\"*) l=${l#*\\"currentContext\\"}; l=${l%%,*}; printf "%s\\n" "${l%%\\}*}";; esac;;',
  '*) printf "%s\\n" "$l";; esac; done < "$f"; done',
].join(' ');
/** The inputs alone, in the login shell (a shell that is not POSIX fails it, and the docker CLI is asked). */
const INPUTS_QUERY = CLI_INPUTS;
const INPUTS_END = '-- docker context --';
/** The inputs, then where the docker CLI would connect: its current context's endpoint (DOCKER_HOST included). */
const ENGINE_QUERY = `sh -c '${CLI_INPUTS}; echo "${INPUTS_END}"; docker context inspect --format "{{.Endpoints.docker.Host}}"'`;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** An ssh://[user@]host[:port][/socket path] address, as the docker CLI reads it. */
export function sshEndpoint(url: string, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): SshEndpoint {
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname);
  const socketPath = path.replace(/\//g, '') ? path : undefined;
  return {
    url,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 22,
    // ssh(1) logs in as the local user when the address names none
    username: u.username ? decodeURIComponent(u.username) : os.userInfo().username,
    command: socketPath ? `docker --host=${shellQuote(`unix://${socketPath}`)} system dial-stdio` : 'docker system dial-stdio',
    socketPath,
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    knownHostsFiles: defaultKnownHostsFiles(home),
    socketCacheFile: socketPath ? undefined : engineSocketCacheFile(env, home),
  };
}

/** The one-line error for a host key known_hosts does not vouch for. */
export function hostKeyError(endpoint: SshEndpoint, key: Buffer, verdict: Exclude<HostKeyVerdict, { verdict: 'known' }>): EngineError {
  const name = knownHostsName(endpoint.host, endpoint.port);
  const shown = `${keyTypeOf(key)} ${fingerprint(key)}`;
  const sshCmd = `ssh${endpoint.port === 22 ? '' : ` -p ${endpoint.port}`} ${endpoint.username}@${endpoint.host} true`;
  const where = (l: { file: string; line: number }) => `${l.file}:${l.line}`;
  if (verdict.verdict === 'revoked') {
    return new EngineError(
      `${endpoint.url}: the server's host key (${shown}) is marked @revoked at ${where(verdict.line)}: refusing to connect`,
    );
  }
  if (verdict.verdict === 'changed') {
    return new EngineError(
      `${endpoint.url}: the host key of ${name} has CHANGED (the server shows ${shown}; ${verdict.lines.map(where).join(', ')} has another): someone may be intercepting the connection, or the server was reinstalled. If you know it was, remove the old key with \`ssh-keygen -R '${name}'\` and connect once with \`${sshCmd}\` to check and record the new one`,
    );
  }
  const also = verdict.otherTypes.length ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
  return new EngineError(
    `${endpoint.url}: the host key of ${name} is not in known_hosts${also}; the server shows ${shown}. Check that fingerprint with the server's owner, then record it by connecting once with \`${sshCmd}\` (answer yes), as the docker CLI needs too`,
  );
}

interface Link {
  client: Client;
  sock: net.Socket;
  /** Channels open on this connection (a slot each, until the server confirms their close), with the socket each forwards. */
  channels: Set<{ socket: ChannelSocket; forward: string | undefined }>;
  /** Channel opens in flight. */
  pending: number;
  /** The server's session limit, once a refusal taught it. */
  limit: number;
  gone: boolean;
  /** The engine's unix socket on the server, once known and forwardable; null: use dial-stdio. */
  socket: string | null | undefined;
  /** `socket` is what the server said (or the URL names), not only what it said to an earlier command. */
  verified: boolean;
  /** A channel was forwarded to the kept socket before the server confirmed it. */
  usedUnverified: boolean;
  /** The last command's answer this link started from, to be confirmed. */
  kept: EngineSocketEntry | undefined;
  /** Settles when `socket` is decided by the server's answer (or its absence). */
  answered: Promise<void>;
  decided: () => void;
  /** A forward opened ahead, for the next dial (see `refillSpare`). */
  spare: { socket: ChannelSocket; forward: string } | undefined;
  spareOpening: boolean;
}

/** Room for one more channel: forwards are not sessions, so only dial-stdio channels meet the limit. */
function hasRoom(link: Link): boolean {
  return typeof link.socket === 'string' || link.channels.size + link.pending < link.limit;
}

export class SshConnection {
  readonly endpoint: SshEndpoint;
  /** Connections opened (logins), for messages and tests. */
  logins = 0;
  /** Connections lost after they were up: a request that failed on one may be tried again. */
  drops = 0;
  private links: Link[] = [];
  private opening: Promise<Link> | undefined;
  private failure: Error | undefined;
  /** The server's engine is not where the kept answer said: every request from then on fails with this. */
  private moved: EngineError | undefined;
  /** The server's answer on an earlier connection of this command: a reconnect does not ask again. */
  private answer: string | null | undefined;
  private readonly waiting = new Set<() => void>();
  private readonly waits: SshWaits;

  constructor(endpoint: SshEndpoint, waits: SshWaits = SSH_WAITS) {
    this.endpoint = endpoint;
    this.waits = waits;
  }

  /** The key of this server's answer in the cache: its login user (whose docker config decides) and known_hosts name. */
  private get cacheKey(): string {
    return `${this.endpoint.username}@${knownHostsName(this.endpoint.host, this.endpoint.port)}`;
  }

  /**
   * Resolves once the engine every channel reaches is the one the server's docker CLI names now, so a
   * request that changes something may go; rejects when it is not (the command must stop). Opens the
   * connection when there is none yet.
   */
  async confirmed(): Promise<void> {
    for (;;) {
      if (this.moved) throw this.moved;
      let live = this.links.filter((l) => !l.gone);
      if (live.length === 0) live = [await this.connect()];
      const pending = live.filter((l) => !l.verified);
      if (pending.length === 0) return;
      await Promise.all(pending.map((l) => l.answered));
    }
  }

  /** The error every request gets once the engine turned out to have moved (see `confirmed`). */
  get movedError(): EngineError | undefined {
    return this.moved;
  }

  /** A new channel running the endpoint's dial-stdio command, as a socket for node:http. */
  async dial(): Promise<ChannelSocket> {
    let deadline: number | undefined;
    for (;;) {
      if (this.moved) throw this.moved;
      const live = this.links.filter((l) => !l.gone);
      let link = live.find((l) => hasRoom(l));
      if (!link && live.length === 0) link = await this.connect();
      if (!link) {
        if (await this.closeIdle(live)) continue;
        deadline ??= Date.now() + this.waits.overflowMs;
        const left = deadline - Date.now();
        link = left > 0 && (await this.slotFreed(left)) ? undefined : await this.connect();
        if (!link) continue;
      }
      // While the server's answer (where its engine socket is) is pending, one dial-stdio channel
      // serves the first request; the others wait for the answer rather than each starting a docker
      // CLI on the server (and a burst of sessions past MaxSessions).
      if (link.socket === undefined && link.channels.size + link.pending > 1) {
        await link.answered;
        continue;
      }
      const spare = this.takeSpare(link);
      if (spare) return spare;
      try {
        const socket = await this.openChannel(link);
        this.refillSpare(link);
        return socket;
      } catch (err) {
        if (link.gone) continue; // it dropped between the pick and the exec: the loop reconnects
        const refused = (err as { reason?: unknown }).reason === OPEN_PROHIBITED;
        if (!refused || (link.channels.size === 0 && link.pending === 0)) throw this.channelError(err);
        link.limit = Math.max(1, link.channels.size); // the server's MaxSessions, as far as this connection goes
      }
    }
  }

  /** Close every connection (tests; a command lets the process exit instead). */
  close(): void {
    for (const l of this.links) l.client.end();
  }

  /** The connection being opened, or a new one; every dial waiting meanwhile shares it. */
  private connect(): Promise<Link> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.opening) {
      this.opening = this.openLink().then(
        (link) => {
          this.opening = undefined;
          this.links.push(link);
          return link;
        },
        (err: Error) => {
          this.opening = undefined;
          this.failure = err;
          throw err;
        },
      );
    }
    return this.opening;
  }

  private openLink(): Promise<Link> {
    const { endpoint } = this;
    const name = knownHostsName(endpoint.host, endpoint.port);
    const known = readKnownHosts(endpoint.knownHostsFiles);
    let rejected: EngineError | undefined;
    return new Promise<Link>((resolve, reject) => {
      const client = new ssh2.Client();
      const sock = net.connect({ host: endpoint.host, port: endpoint.port });
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 15_000); // a silently dead peer surfaces as an error, without a timer in this process
      // the URL's socket, else this command's earlier answer (a reconnect), else the last command's (to be confirmed)
      const given = endpoint.socketPath ?? this.answer;
      const kept = given === undefined ? cachedEngineSocket(endpoint.socketCacheFile, this.cacheKey) : undefined;
      const link: Link = {
        client,
        sock,
        channels: new Set(),
        pending: 0,
        limit: Number.POSITIVE_INFINITY,
        gone: false,
        socket: given !== undefined ? given : kept?.socket,
        verified: given !== undefined,
        usedUnverified: false,
        kept,
        answered: Promise.resolve(),
        decided: () => {},
        spare: undefined,
        spareOpening: false,
      };
      link.answered = new Promise<void>((settle) => (link.decided = settle));
      if (link.verified) link.decided();
      let up = false;
      const fail = (err: Error) => {
        if (up) return;
        sock.destroy();
        reject(rejected ?? this.connectError(err));
      };
      client.once('ready', () => {
        up = true;
        this.logins += 1;
        this.updateRef(link);
        if (!link.verified) this.findEngineSocket(link);
        resolve(link);
      });
      client.on('error', fail);
      client.on('close', () => {
        link.gone = true;
        link.decided();
        if (up) this.drops += 1;
        fail(new Error('the connection closed during login'));
        this.wake();
      });
      try {
        this.startLogin(client, sock, known, name, (err) => (rejected = err));
      } catch (err) {
        fail(err as Error); // e.g. an algorithm ssh2 does not know: the socket must not stay open
      }
    });
  }

  private startLogin(
    client: Client,
    sock: net.Socket,
    known: ReturnType<typeof readKnownHosts>,
    name: string,
    onRejected: (err: EngineError) => void,
  ): void {
    const { endpoint } = this;
    client.connect({
      sock,
      username: endpoint.username,
      agent: endpoint.agentSocket,
      // straight to the agent's keys: ssh2 would first try "none", one more round trip that only learns
      // which methods the server takes
      ...(endpoint.agentSocket ? { authHandler: ['agent' as const] } : {}),
      readyTimeout: CONNECT_TIMEOUT_MS,
      algorithms: {
        serverHostKey: { prepend: preferredHostKeyAlgorithms(known, name) as ServerHostKeyAlgorithm[], append: [], remove: [] },
      },
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(known, name, key);
        if (verdict.verdict === 'known') return true;
        onRejected(hostKeyError(endpoint, key, verdict));
        return false;
      },
    });
  }

  /**
   * Ask the server once where its engine is; a unix socket there is forwarded from then on. Runs beside
   * the first requests (which use dial-stdio, or the kept socket, meanwhile). With a kept answer a shell
   * first checks that nothing the docker CLI decides by has changed (no docker CLI start: a
   * request that changes something waits for this); else, or when something has, the docker CLI is
   * asked. No answer (the exec refused, a failing docker CLI, nothing within engineQueryMs) keeps the
   * kept socket, else leaves dial-stdio; an endpoint that is not a unix socket (tcp://) is dial-stdio's.
   */
  private findEngineSocket(link: Link): void {
    link.pending += 1; // holds the process open while it runs
    const channels = new Set<ClientChannel>();
    let done = false;
    const timer = setTimeout(() => {
      finish(undefined);
      for (const ch of channels) ch.close(); // a docker CLI that hangs on the server: its session goes with the channel
    }, this.waits.engineQueryMs);
    timer.unref();
    const finish = (answer: EngineSocketEntry | null | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      link.pending -= 1;
      if (answer === undefined) {
        link.socket ??= null;
      } else {
        const socket = answer?.socket ?? null;
        if (link.usedUnverified && link.socket !== socket) this.engineMoved(link, socket);
        link.socket = socket;
        this.answer = socket;
        rememberEngineSocket(this.endpoint.socketCacheFile, this.cacheKey, answer);
      }
      link.verified = true;
      this.updateRef(link);
      link.decided();
      this.wake();
    };
    const run = (command: string, then: (code: number | null, out: string) => void) => {
      try {
        link.client.exec(command, (err, ch) => {
          if (err) return finish(undefined);
          channels.add(ch);
          let out = '';
          ch.on('data', (d: Buffer) => (out += d.toString('utf8')));
          ch.stderr.resume();
          ch.on('close', (code: number | null) => then(code, out));
        });
      } catch {
        finish(undefined);
      }
    };
    const ask = () =>
      run(ENGINE_QUERY, (code, out) => {
        const [inputs = '', host = ''] = out.split(`${INPUTS_END}\n`);
        if (code !== 0 || !host.trim()) return finish(undefined);
        const h = host.trim();
        finish(
          h.startsWith('unix://') && h.length > 'unix://'.length ? { socket: h.slice('unix://'.length), inputs: inputs.trim() } : null,
        );
      });
    const kept = link.kept;
    if (kept) run(INPUTS_QUERY, (code, out) => (code === 0 && out.trim() === kept.inputs ? finish(kept) : ask()));
    else ask();
  }

  /**
   * The server's docker CLI names another engine than the kept answer, and requests already went to
   * the kept one: what they read may be another engine's, so the command stops (nothing was changed:
   * `confirmed()` held every such request).
   */
  private engineMoved(link: Link, answer: string | null): void {
    const was = link.socket;
    this.moved = new EngineError(
      `${this.endpoint.url}: the server's docker CLI now reaches its engine ${answer ? `at unix://${answer}` : 'through `docker system dial-stdio` (not a local socket)'}, not at unix://${was} as when demo-fleet last connected; nothing was changed: run the command again`,
    );
    // closed without an error: an idle keep-alive channel has no listener for one; a request in flight
    // gets "socket hang up", which client.ts turns into this error
    for (const slot of link.channels) if (slot.forward === was) slot.socket.destroy();
  }

  /**
   * Keep one forward open ahead of need: a request that finds every keep-alive channel busy, and every
   * exec or stream (a channel each), then starts at once instead of a round trip later. Forwards only
   * (no process on the server, not a session); an idle spare does not keep the process alive.
   */
  private refillSpare(link: Link): void {
    const forward = link.socket;
    if (typeof forward !== 'string' || link.spare || link.spareOpening || link.gone || this.moved) return;
    link.spareOpening = true;
    this.openChannel(link, false).then(
      (socket) => {
        link.spareOpening = false;
        if (link.gone || this.moved || link.socket !== forward) return void socket.destroy();
        socket.unref();
        link.spare = { socket, forward };
      },
      () => {
        link.spareOpening = false; // a regular dial finds out why, and says it
      },
    );
  }

  /** The spare forward, when it still leads where this link's channels go; another is opened in its place. */
  private takeSpare(link: Link): ChannelSocket | undefined {
    const spare = link.spare;
    if (!spare) return undefined;
    link.spare = undefined;
    if (spare.socket.destroyed || spare.forward !== link.socket) {
      spare.socket.destroy();
      return undefined;
    }
    spare.socket.ref();
    this.refillSpare(link);
    return spare.socket;
  }

  /** A new channel; `hold` (all but a spare): counted as in use while it opens, and a refused forward falls back to dial-stdio. */
  private openChannel(link: Link, hold = true): Promise<ChannelSocket> {
    const held = hold ? 1 : 0;
    link.pending += held;
    this.updateRef(link);
    const forward = typeof link.socket === 'string' ? link.socket : undefined;
    return new Promise<ChannelSocket>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      const done = (err: Error | undefined) => {
        link.pending -= held;
        if (err && forward && !link.gone && hold) {
          // forwarding refused (AllowStreamLocalForwarding no) or no socket there: dial-stdio from now on.
          // Forwards opened at the same time fail too, after the first has switched: each tries again.
          if (link.socket === forward) link.socket = null;
          this.openChannel(link).then(resolve, reject);
          return;
        }
        if (err || !channel) {
          this.updateRef(link);
          this.wake();
          return reject(err);
        }
        const socket = new ChannelSocket(channel, () => {
          this.updateRef(link);
          // a channel gone idle is room for a dial waiting on a full connection (closeIdle)
          if (!socket.refd) this.wake();
        });
        const slot = { socket, forward };
        if (forward && !link.verified) link.usedUnverified = true;
        link.channels.add(slot);
        channel.on('close', () => {
          link.channels.delete(slot);
          this.updateRef(link);
          this.wake();
        });
        this.updateRef(link);
        resolve(socket);
      };
      const opened = (err: Error | undefined, ch: ClientChannel) => {
        channel = ch;
        done(err ?? undefined);
      };
      try {
        if (forward) link.client.openssh_forwardOutStreamLocal(forward, opened);
        else link.client.exec(this.endpoint.command, opened);
      } catch (err) {
        done(err as Error); // "Not connected": the connection went between the check and the exec
      }
    });
  }

  /** The process stays alive while a channel is in use or being opened; idle keep-alive channels do not count. */
  private updateRef(link: Link): void {
    if (link.gone) return;
    const busy = link.pending > 0 || [...link.channels].some((c) => c.socket.refd);
    if (busy) link.sock.ref();
    else link.sock.unref();
  }

  /** Close one idle (pooled, unref'd) channel on a full connection and wait until the server freed its slot. */
  private async closeIdle(links: Link[]): Promise<boolean> {
    for (const link of links) {
      const idle = [...link.channels].find((c) => !c.socket.refd && !c.socket.destroyed);
      if (!idle) continue;
      // until the server confirms the close (its session is free), but not for ever: a server that never
      // answers leaves the slot counted, and the next round waits for another or opens a second connection
      const freed = new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          this.waiting.delete(check);
          resolve();
        };
        const check = () => {
          if (!link.channels.has(idle) || link.gone) stop();
        };
        const timer = setTimeout(stop, this.waits.closeIdleMs);
        this.waiting.add(check);
      });
      idle.socket.destroy();
      await freed;
      return true;
    }
    return false;
  }

  /** Resolves true when some channel closes (or a connection goes) within `ms`, false after. */
  private slotFreed(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiting.delete(wake);
        resolve(false);
      }, ms);
      this.waiting.add(wake);
    });
  }

  private wake(): void {
    for (const w of [...this.waiting]) w();
  }

  private connectError(err: Error): Error {
    const e = err as Error & { level?: string; code?: string };
    if (e.level === 'client-authentication') {
      return new EngineError(
        `${this.endpoint.url}: the server refused every key ${this.endpoint.agentSocket ? 'in the ssh-agent (SSH_AUTH_SOCK)' : '(SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add your key)'} for ${this.endpoint.username}`,
      );
    }
    return e; // TCP and handshake errors keep their code: the engine's "cannot reach" message names them
  }

  private channelError(err: unknown): Error {
    const e = err as Error;
    return new EngineError(`${this.endpoint.url}: the server refused to run \`${this.endpoint.command}\` (${e?.message ?? e})`);
  }
}
