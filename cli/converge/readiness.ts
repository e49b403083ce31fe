/**
 * "Done means served": an event is up when its app is healthy AND its node is Running AND serve (and
 * Funnel, when asked) points :443 at the app — read from inside the container through the runtime's
 * exec, so it works wherever the engine is (also ssh://). A state only a person can change (a pending
 * login, HTTPS certificates or the funnel attribute off) is reported at once; "unhealthy" is not final
 * before the timeout (the real start installs the docker-mod first and takes tens of seconds).
 */
import type { ServeExpectation } from '../render/service.js';
import { judgeNode, parseNodeStatus, parseServeStatus, type TailnetOutcome } from '../tailnet/node-state.js';
import type { ContainerDetails, Runtime } from '../targets/target.js';

export type Readiness =
  | { kind: 'served'; status: string; url: string }
  /** No docker-mod to ask: healthy is all there is. */
  | { kind: 'healthy'; status: string }
  /** A person must act (log in, change the tailnet); the status line says what. */
  | { kind: 'needs-person'; status: string; url?: string }
  | { kind: 'failed'; status: string };

const SEPARATOR = '---demo-fleet: serve status---';
/** One exec per look: the node's status, then (if tailscaled answers) its serve config. */
const PROBE = ['sh', '-c', `tailscale status --json && echo && echo '${SEPARATOR}' && tailscale serve status --json`];

export interface ReadinessOptions {
  timeoutMs: number;
  /** Between looks. */
  pollMs?: number;
  /** Runs each look (inspect + exec), so many events waiting at once stay bounded. */
  gate?: <R>(fn: () => Promise<R>) => Promise<R>;
  /** Called when what the event waits for changes ("configuring serve", "app starting", ...). */
  onWaiting?: (why: string) => void;
}

/** The node as the container reports it now; pending when tailscale is not installed or not answering yet. */
export async function probeNode(runtime: Runtime, id: string, want: ServeExpectation): Promise<TailnetOutcome> {
  const r = await runtime.exec(id, PROBE);
  const [statusText, serveText] = r.stdout.split(SEPARATOR);
  if (!statusText?.trim()) {
    return { kind: 'pending', why: r.exitCode === 127 ? 'installing tailscale (docker-mod)' : 'starting tailscaled' };
  }
  try {
    const node = parseNodeStatus(statusText);
    return judgeNode(node, serveText?.trim() ? parseServeStatus(serveText) : null, want);
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
  for (;;) {
    const look = await gate(async (): Promise<Readiness | string> => {
      const info = await runtime.inspect(id);
      if (!info) return { kind: 'failed', status: 'container removed' };
      if (info.state === 'exited' || info.state === 'dead') return { kind: 'failed', status: `exited (code ${info.exitCode})` };
      const health = healthOf(info);
      if (!want)
        return health === 'ok'
          ? { kind: 'healthy', status: info.health ?? 'running' }
          : health === 'unhealthy'
            ? 'unhealthy'
            : 'app starting';
      if (info.state !== 'running') return info.state;
      const node = await probeNode(runtime, id, want);
      if (node.kind === 'login') return { kind: 'needs-person', status: `waiting for login: ${node.url}`, url: node.url };
      if (node.kind === 'attention') return { kind: 'needs-person', status: node.message };
      if (node.kind === 'pending') return node.why;
      if (health !== 'ok') return health === 'unhealthy' ? 'unhealthy' : 'app starting';
      return { kind: 'served', status: `served ${node.url}`, url: node.url };
    });
    if (typeof look !== 'string') return look;
    if (look !== last) options.onWaiting?.(look);
    last = look;
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      return { kind: 'failed', status: last === 'unhealthy' ? 'unhealthy' : `still ${last} after ${seconds}s` };
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}
