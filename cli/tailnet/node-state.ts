/**
 * An event's tailnet node as seen from inside its container: `tailscale status --json` (ipnstate.Status)
 * and `tailscale serve status --json` (ipn.ServeConfig), and what they mean for the event — served, waiting
 * for a login, or blocked on a tailnet setting a person must change. Field names are tailscale's
 * (ipn/ipnstate/ipnstate.go, ipn/serve.go; see test/fixtures/tailnet-model/UPSTREAM.md). Pure: no I/O.
 */
import type { ServeExpectation } from '../render/service.js';

export interface NodeState {
  /** NoState | NeedsLogin | NeedsMachineAuth | Stopped | Starting | Running */
  backendState: string;
  /** Set while an interactive login is pending. */
  authUrl: string | null;
  /** MagicDNS name without the trailing dot, e.g. cleveland2026.tail1234.ts.net */
  dnsName: string | null;
  online: boolean;
  /** Node capabilities the tailnet grants: "https" (certificates enabled), "funnel" (the node attribute). */
  caps: Set<string>;
  /** Whether the node was ever registered (`HaveNodeKey`): false after a refused first join. */
  haveNodeKey: boolean;
  /** The control server's answer to the last login, from `Health` ("You are logged out. The last login error was: …"). */
  loginError: string | null;
  /** The node key expired (`Self.Expired`); `keyExpiry` is when (RFC 3339), when known. */
  keyExpired: boolean;
  keyExpiry: string | null;
}

/**
 * tailscale's login-state health text (health/warnings.go, LoginStateWarnable): what the control server
 * answered to the last login. Seen on the real binaries (test/fixtures/real-tailnet/FINDINGS.md b, e):
 * `authkey expired`, `handling register with auth key: AuthKey not found`.
 */
const LOGIN_ERROR = /^You are logged out\. The last login error was: (.+)$/;
/** Login errors that are the network's, not the control server's verdict: they go away by waiting. */
const TRANSIENT_LOGIN_ERROR =
  /fetch control key|connection attempts failed|connection refused|no such host|timed out|timeout|deadline exceeded|context canceled|\bEOF\b|dial /i;

export interface ServeState {
  /** The :443 listener's mode, or null when :443 is not served. */
  mode443: 'https' | 'http' | null;
  /** host:443 → the proxy target of its "/" handler. */
  proxies: Map<string, string>;
  /** host:443 keys with Funnel on. */
  funnel: Set<string>;
}

export type TailnetOutcome =
  | { kind: 'served'; url: string; funnel: boolean }
  /** A person must log the node in (no auth key, or it was refused). */
  | { kind: 'login'; url: string }
  /** A person must change the tailnet: the message says what. */
  | { kind: 'attention'; message: string }
  /**
   * Not there yet; `why` says what is missing. `reconfigure`: the node runs, but its saved serve config
   * is for another name or of another mode (FINDINGS.md c, d) — the start's own serve command does not
   * fix that; running it again now, with the node's current name, does (readiness.ts).
   */
  | { kind: 'pending'; why: string; reconfigure?: true };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How a node's own status is read, inside its container. Without the peer list: on a conference tailnet
 * of thousands of nodes every readiness look would read and copy all of them. `--peers=false` makes the
 * CLI ask LocalAPI for StatusWithoutPeers (tailscale cmd/tailscale/cli/status.go l.55 and l.81-83); Self,
 * Health, BackendState and CertDomains are filled either way (ipn/ipnlocal/local.go l.1455-1459, l.1473ff).
 */
export const NODE_STATUS_COMMAND = ['tailscale', 'status', '--json', '--peers=false'] as const;

/**
 * Serve the app again under the node's current name: what the docker-mod's start runs (tailscale-dev/
 * docker-mod root/etc/s6-overlay/s6-rc.d/svc-tailscale-up/run l.33-39: `tailscale serve|funnel --bg
 * --<mode>=443 http://localhost:<port>`), after a reset of the saved config (a stale name's entry or
 * another mode would stay, or refuse the new mode).
 */
export function reconfigureServeCommand(want: ServeExpectation): string[] {
  const verb = want.funnel ? 'funnel' : 'serve';
  return ['sh', '-c', `tailscale serve reset && tailscale ${verb} --bg --${want.mode}=443 http://localhost:${want.port}`];
}

export function parseNodeStatus(text: string): NodeState {
  const status = JSON.parse(text) as unknown;
  if (!isObject(status)) throw new Error('tailscale status --json: not an object');
  const self = isObject(status.Self) ? status.Self : {};
  const caps = new Set<string>([
    ...(Array.isArray(self.Capabilities) ? self.Capabilities.filter((c): c is string => typeof c === 'string') : []),
    ...(isObject(self.CapMap) ? Object.keys(self.CapMap) : []),
  ]);
  const dns = typeof self.DNSName === 'string' && self.DNSName !== '' ? self.DNSName.replace(/\.$/, '') : null;
  const health = Array.isArray(status.Health) ? status.Health.filter((h): h is string => typeof h === 'string') : [];
  const loginError = health.map((h) => LOGIN_ERROR.exec(h)?.[1]).find((e) => e !== undefined) ?? null;
  return {
    backendState: typeof status.BackendState === 'string' ? status.BackendState : 'NoState',
    authUrl: typeof status.AuthURL === 'string' && status.AuthURL !== '' ? status.AuthURL : null,
    dnsName: dns,
    online: self.Online === true,
    caps,
    haveNodeKey: status.HaveNodeKey === true,
    loginError,
    keyExpired: self.Expired === true,
    keyExpiry: typeof self.KeyExpiry === 'string' && self.KeyExpiry !== '' ? self.KeyExpiry : null,
  };
}

export function parseServeStatus(text: string): ServeState {
  const config = JSON.parse(text) as unknown;
  if (!isObject(config)) throw new Error('tailscale serve status --json: not an object');
  const tcp = isObject(config.TCP) && isObject(config.TCP['443']) ? config.TCP['443'] : null;
  const mode443 = tcp?.HTTPS === true ? 'https' : tcp?.HTTP === true ? 'http' : null;
  const proxies = new Map<string, string>();
  for (const [hostPort, web] of Object.entries(isObject(config.Web) ? config.Web : {})) {
    const root = isObject(web) && isObject(web.Handlers) && isObject(web.Handlers['/']) ? web.Handlers['/'] : null;
    if (hostPort.endsWith(':443') && typeof root?.Proxy === 'string') proxies.set(hostPort, root.Proxy);
  }
  const funnel = new Set(
    Object.entries(isObject(config.AllowFunnel) ? config.AllowFunnel : {})
      .filter(([, on]) => on === true)
      .map(([k]) => k),
  );
  return { mode443, proxies, funnel };
}

/** The app's address as serve writes it (`http://localhost:5000`; 127.0.0.1 is the same place). */
function isAppTarget(proxy: string, port: number): boolean {
  return proxy.replace(/\/$/, '') === `http://localhost:${port}` || proxy.replace(/\/$/, '') === `http://127.0.0.1:${port}`;
}

/**
 * What the node's state means for the event. Settings a person must change are named as soon as they
 * show (they do not fix themselves by waiting); everything else is pending until served.
 */
export function judgeNode(node: NodeState, serve: ServeState | null, want: ServeExpectation): TailnetOutcome {
  if (node.backendState === 'NeedsLogin' && node.authUrl) return { kind: 'login', url: node.authUrl };
  if (node.backendState !== 'Running') {
    // Final states that read like "joining" but never change by waiting (FINDINGS.md b, e).
    if (node.loginError && !TRANSIENT_LOGIN_ERROR.test(node.loginError)) {
      return {
        kind: 'attention',
        message: `the control server refused the auth key (${node.loginError}): give the node a new key — with keys: in the fleet file, \`demo-fleet down <event>\` then \`demo-fleet up\` mints one; else set a new authKey`,
      };
    }
    if (node.backendState === 'NeedsLogin' && node.haveNodeKey && node.keyExpired) {
      const at = node.keyExpiry ? ` at ${node.keyExpiry}` : '';
      return {
        kind: 'attention',
        message: `node key expired${at}: visitors cannot reach it; re-authenticate the node (\`tailscale up --force-reauth\` in its container), or on Tailscale disable key expiry for it in the admin console`,
      };
    }
    if (node.loginError) return { kind: 'pending', why: `cannot reach the control server (${node.loginError})` };
  }
  if (node.backendState === 'NeedsMachineAuth')
    return { kind: 'attention', message: 'waiting for approval: approve the node in the admin console' };
  if (node.backendState !== 'Running') return { kind: 'pending', why: `joining the tailnet (${node.backendState})` };
  if (want.mode === 'https' && !node.caps.has('https')) {
    return { kind: 'attention', message: 'serve not configured: enable HTTPS certificates for the tailnet' };
  }
  if (want.funnel && !node.caps.has('funnel')) return { kind: 'attention', message: 'funnel not allowed for this node' };
  if (serve?.mode443 && serve.mode443 !== want.mode && node.dnsName) {
    return { kind: 'pending', why: `configuring serve (saved as ${serve.mode443}, not ${want.mode})`, reconfigure: true };
  }
  if (!serve || serve.mode443 !== want.mode || !node.dnsName) return { kind: 'pending', why: 'configuring serve' };
  // Only the entry of the node's own name counts: serve keys its handlers by the DNS name it had when
  // it was configured, and a saved config keeps an entry of an old name (a renamed node, a `-1` name
  // after a collision) that nothing answers at any more.
  const hostPort = `${node.dnsName}:443`;
  const proxy = serve.proxies.get(hostPort);
  if (proxy === undefined || !isAppTarget(proxy, want.port)) {
    const stale = [...serve.proxies.keys()].filter((k) => k !== hostPort).map((k) => k.slice(0, -':443'.length));
    if (stale.length === 0 || proxy !== undefined) return { kind: 'pending', why: 'configuring serve' };
    return { kind: 'pending', why: `configuring serve (an entry for ${stale.join(', ')} is not this node's name)`, reconfigure: true };
  }
  if (want.funnel && !serve.funnel.has(hostPort)) return { kind: 'pending', why: 'configuring funnel' };
  const host = node.dnsName;
  return { kind: 'served', url: want.mode === 'https' ? `https://${host}` : `http://${host}:443`, funnel: serve.funnel.has(hostPort) };
}
