/**
 * "Done means served": an event is up when its app is healthy AND its node is Running AND serve (and
 * Funnel, when asked) points :443 at the app — read from inside the container by the runtime's probe
 * (tailnet/probe.ts: an exec, or the event's own report where the target cannot exec into it). A state only a person can change (a pending
 * login, HTTPS certificates or the funnel attribute off) is reported at once; "unhealthy" is not final
 * before the timeout (the real start installs the docker-mod first and takes tens of seconds). A start
 * that fails is final at once, not at the timeout: the container exited or is being restarted by the
 * engine, or the app inside it crash-loops (its supervisor restarts it; the s6 run script in
 * templates/ records each start, see APP_STARTS).
 */
import type { ServeExpectation } from '../render/service.js';
import { judgeNode, parseNodeStatus, parseServeStatus, reconfigureServeCommand, type TailnetOutcome } from '../tailnet/node-state.js';
import { probeSections } from '../tailnet/probe.js';
import type { ContainerDetails, Runtime } from '../targets/target.js';

export { APP_STARTS } from '../tailnet/probe.js';

export type Readiness =
  | { kind: 'served'; status: string; url: string }
  /** No docker-mod to ask: healthy is all there is. */
  | { kind: 'healthy'; status: string }
  /** A person must act (log in, change the tailnet); the status line says what. */
  | { kind: 'needs-person'; status: string; url?: string }
  | { kind: 'failed'; status: string };

/** The app started this often within the window (seconds): it crash-loops. */
export const CRASH_LOOP = { starts: 3, windowSeconds: 60 } as const;

export interface ReadinessOptions {
  timeoutMs: number;
  /** Between looks. */
  pollMs?: number;
  /** Runs each look (inspect + probe), so many events waiting at once stay bounded. */
  gate?: <R>(fn: () => Promise<R>) => Promise<R>;
  /** Called when what the event waits for changes ("configuring serve", "app starting", ...). */
  onWaiting?: (why: string) => void;
}

/** The node as the container reports it now; pending when tailscale is not installed or not answering yet. */
export async function probeNode(runtime: Runtime, id: string, want: ServeExpectation): Promise<TailnetOutcome> {
  return (await look(runtime, id, want)).node!;
}

/**
 * How often the app started within the window and since the container's current start (UNIX seconds;
 * the file outlives a stop and start of the same container), from the probe's first section.
 */
export function recentAppStarts(section: string, containerStarted: number): number {
  const [now, ...starts] = section
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => Number.isFinite(n));
  if (now === undefined) return 0;
  return starts.filter((t) => t >= containerStarted && t > now - CRASH_LOOP.windowSeconds).length;
}

/** The engine's start time (RFC 3339, nanoseconds) in whole UNIX seconds; 0 when not known. */
function startedSeconds(startedAt: string | null): number {
  const ms = startedAt ? Date.parse(startedAt.replace(/\.\d+Z$/, 'Z')) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** One probe (tailnet/probe.ts): the app's recent starts and (when a node is expected, else null) the node. */
async function look(
  runtime: Runtime,
  id: string,
  want: ServeExpectation | null,
  containerStarted = 0,
): Promise<{ appStarts: number; node: TailnetOutcome | null }> {
  const r = await runtime.probe(id);
  // A target that reads the event's own reports has none yet: the node is not known to have started.
  if (!r) return { appStarts: 0, node: want ? { kind: 'pending', why: 'waiting for its first report' } : null };
  const sections = probeSections(r.stdout);
  const appStarts = recentAppStarts(sections.app, containerStarted);
  if (!want) return { appStarts, node: null };
  return { appStarts, node: judge(sections.status, sections.serve, r.exitCode, want) };
}

function judge(statusText: string, serveText: string, exitCode: number, want: ServeExpectation): TailnetOutcome {
  if (!statusText.trim()) {
    return { kind: 'pending', why: exitCode === 127 ? 'installing tailscale (docker-mod)' : 'starting tailscaled' };
  }
  try {
    const node = parseNodeStatus(statusText);
    return judgeNode(node, serveText.trim() ? parseServeStatus(serveText) : null, want);
  } catch {
    return { kind: 'pending', why: 'starting tailscaled' };
  }
}

function healthOf(info: ContainerDetails): 'ok' | 'waiting' | string {
  if (info.health === 'healthy' || (info.health === undefined && info.state === 'running')) return 'ok';
  return info.health === 'unhealthy' ? 'unhealthy' : 'waiting';
}

/** Wait until the event is served (or healthy without a docker-mod), needs a person, fails, or time runs out. */
export async function waitUntilReady(
  runtime: Runtime,
  id: string,
  want: ServeExpectation | null,
  options: ReadinessOptions,
): Promise<Readiness> {
  const deadline = Date.now() + options.timeoutMs;
  const gate = options.gate ?? ((fn) => fn());
  let last = 'starting';
  let restartsAtFirstLook: number | undefined;
  let reconfigured = false;
  const lookOnce = async (): Promise<Readiness | string> => {
    const info = await runtime.inspect(id);
    if (!info) return { kind: 'failed', status: 'container removed' };
    if (info.state === 'exited' || info.state === 'dead') {
      return { kind: 'failed', status: `exited (code ${info.exitCode})${info.detail ? `: ${info.detail}` : ''}` };
    }
    restartsAtFirstLook ??= info.restartCount;
    if (info.state === 'restarting' || info.restartCount > restartsAtFirstLook) {
      return { kind: 'failed', status: `exited (code ${info.exitCode}) and is being restarted by the engine` };
    }
    const health = healthOf(info);
    if (!want && health === 'ok') return { kind: 'healthy', status: info.health ?? 'running' };
    if (info.state !== 'running') return info.detail ?? info.state;
    const { appStarts, node } = await look(runtime, id, want, startedSeconds(info.startedAt));
    if (appStarts >= CRASH_LOOP.starts) {
      return { kind: 'failed', status: `app crash-looping (started ${appStarts} times within ${CRASH_LOOP.windowSeconds}s)` };
    }
    if (!node) return health === 'unhealthy' ? 'unhealthy' : 'app starting';
    if (node.kind === 'login') return { kind: 'needs-person', status: `waiting for login: ${node.url}`, url: node.url };
    if (node.kind === 'attention') return { kind: 'needs-person', status: node.message };
    if (node.kind === 'pending' && node.reconfigure && want && !reconfigured) {
      reconfigured = true; // once per wait: what it cannot fix, the timeout reports
      // a target that cannot exec into this event (Swarm: a task on another node) says why, in the status
      const r = await runtime.exec(id, reconfigureServeCommand(want)).catch((err: unknown) => ({
        exitCode: -1,
        stdout: '',
        stderr: runtime.errorMessage(err),
      }));
      if (r.exitCode !== 0) {
        // not final: the mod's own serve may still be running; the timeout reports it if it stays so
        const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
        return `${node.why}; serving again failed: ${why || `exit ${r.exitCode}`}`;
      }
      return `${node.why}: serve configured again for the node's current name`;
    }
    if (node.kind === 'pending') return node.why;
    if (health !== 'ok') return health === 'unhealthy' ? 'unhealthy' : 'app starting';
    return { kind: 'served', status: `served ${node.url}`, url: node.url };
  };
  for (;;) {
    // One failed request (an exec into a container the engine is restarting: 409; a dropped connection)
    // is not the event's outcome: the next look decides, or the timeout.
    const seen = await gate(() => lookOnce().catch((err: unknown) => `looking again (${runtime.errorMessage(err)})`));
    if (typeof seen !== 'string') return seen;
    if (seen !== last) options.onWaiting?.(seen);
    last = seen;
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      return { kind: 'failed', status: last === 'unhealthy' ? 'unhealthy' : `still ${last} after ${seconds}s` };
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}
