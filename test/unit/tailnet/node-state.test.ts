/**
 * Reading an event's node from `tailscale status --json` / `tailscale serve status --json` (the shapes of
 * ipnstate.Status and ipn.ServeConfig, as test/fixtures/tailnet-model/UPSTREAM.md cites them) and judging
 * what it means for the event.
 */
import { describe, expect, it } from 'vitest';
import type { ServeExpectation } from '../../../cli/render/service.js';
import { judgeNode, parseNodeStatus, parseServeStatus } from '../../../cli/tailnet/node-state.js';

const HOST = 'cleveland2026.tail1234.ts.net';

function status(over: Record<string, unknown> = {}, self: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: '1.90.0',
    BackendState: 'Running',
    AuthURL: '',
    Self: { ID: 'n123CNTRL', HostName: 'cleveland2026', DNSName: `${HOST}.`, Online: true, CapMap: { https: null, funnel: null }, ...self },
    CertDomains: [HOST],
    ...over,
  });
}
function serve(mode: 'HTTPS' | 'HTTP', funnel = false, proxy = 'http://localhost:5000', host = HOST): string {
  return JSON.stringify({
    TCP: { '443': { [mode]: true } },
    Web: { [`${host}:443`]: { Handlers: { '/': { Proxy: proxy } } } },
    ...(funnel ? { AllowFunnel: { [`${host}:443`]: true } } : {}),
  });
}
const https: ServeExpectation = { mode: 'https', port: 5000, funnel: false };

describe('parseNodeStatus', () => {
  it('reads the backend state, the DNS name without its dot, online and the capabilities', () => {
    const node = parseNodeStatus(status());
    expect(node).toMatchObject({ backendState: 'Running', authUrl: null, dnsName: HOST, online: true });
    expect([...node.caps].sort()).toEqual(['funnel', 'https']);
  });
  it('a node waiting for login has its AuthURL and no DNS name yet', () => {
    const node = parseNodeStatus(
      status(
        { BackendState: 'NeedsLogin', AuthURL: 'https://login.tailscale.com/a/abc123', CertDomains: null },
        { DNSName: '', CapMap: null },
      ),
    );
    expect(node).toMatchObject({ backendState: 'NeedsLogin', authUrl: 'https://login.tailscale.com/a/abc123', dnsName: null });
  });
});

describe('judgeNode', () => {
  // The shapes below are the real binaries' (tailscale 1.102.5 on headscale 0.26.1 and 0.29.3:
  // test/fixtures/real-tailnet/FINDINGS.md b and e).
  const refused = (error: string, backendState = 'NeedsLogin') =>
    parseNodeStatus(
      status(
        {
          BackendState: backendState,
          HaveNodeKey: false,
          CertDomains: null,
          Health: [`You are logged out. The last login error was: ${error}`],
        },
        { ID: '', DNSName: '', PublicKey: 'nodekey:0000000000000000000000000000000000000000000000000000000000000000', CapMap: null },
      ),
    );
  it('a refused auth key is final: named with the fix, not "joining" until the timeout', () => {
    for (const [error, state] of [
      ['handling register with auth key: AuthKey not found', 'NeedsLogin'],
      ['authkey expired', 'NoState'],
    ] as const) {
      const outcome = judgeNode(refused(error, state), null, https);
      expect(outcome.kind).toBe('attention');
      expect(outcome).toMatchObject({ message: expect.stringContaining(`the control server refused the auth key (${error})`) });
      expect(outcome).toMatchObject({ message: expect.stringContaining('demo-fleet down <event>') });
    }
  });
  it('a login error of the network (control server not reachable yet) stays pending: waiting can fix it', () => {
    const outcome = judgeNode(
      refused('fetch control key: Get "http://10.0.0.1:8080/key?v=130": dial tcp: connection refused'),
      null,
      https,
    );
    expect(outcome).toMatchObject({ kind: 'pending', why: expect.stringContaining('cannot reach the control server') });
  });
  it('an expired node key (headscale nodes expire) is final: when, and how to fix it', () => {
    const node = parseNodeStatus(
      status(
        { BackendState: 'NeedsLogin', AuthURL: '', HaveNodeKey: true, Health: [] },
        { Expired: true, KeyExpiry: '2026-12-07T17:11:19Z' },
      ),
    );
    expect(node).toMatchObject({ haveNodeKey: true, keyExpired: true, keyExpiry: '2026-12-07T17:11:19Z', loginError: null });
    expect(judgeNode(node, parseServeStatus(serve('HTTPS')), https)).toEqual({
      kind: 'attention',
      message:
        'node key expired at 2026-12-07T17:11:19Z: visitors cannot reach it; re-authenticate the node (`tailscale up --force-reauth` in its container), or on Tailscale disable key expiry for it in the admin console',
    });
  });
  it('NeedsLogin on the way up (no login error yet, never registered) is still joining', () => {
    const node = parseNodeStatus(status({ BackendState: 'NeedsLogin', HaveNodeKey: false, Health: [] }, { DNSName: '' }));
    expect(judgeNode(node, null, https)).toEqual({ kind: 'pending', why: 'joining the tailnet (NeedsLogin)' });
  });

  it("a serve entry of another name (renamed node, a -1 collision name) is not served: only the node's own DNS name counts", () => {
    const old = 'cleveland2025.tail1234.ts.net';
    const stale = parseServeStatus(serve('HTTPS', false, 'http://localhost:5000', old));
    expect(judgeNode(parseNodeStatus(status()), stale, https)).toEqual({
      kind: 'pending',
      why: `configuring serve (an entry for ${old} is not this node's name)`,
      reconfigure: true,
    });
    // the node became cleveland2026-1 after a collision: its entry is the -1 name's, and the URL says so
    const renamed = `cleveland2026-1.tail1234.ts.net`;
    const node = parseNodeStatus(status({}, { DNSName: `${renamed}.` }));
    expect(judgeNode(node, parseServeStatus(serve('HTTPS')), https)).toMatchObject({ kind: 'pending' });
    expect(judgeNode(node, parseServeStatus(serve('HTTPS', false, 'http://localhost:5000', renamed)), https)).toEqual({
      kind: 'served',
      url: `https://${renamed}`,
      funnel: false,
    });
  });
  it('no DNS name yet (MagicDNS not set up): not served, whatever the serve config says', () => {
    expect(judgeNode(parseNodeStatus(status({}, { DNSName: '' })), parseServeStatus(serve('HTTPS')), https)).toEqual({
      kind: 'pending',
      why: 'configuring serve',
    });
  });

  it('served: Running, :443 in the wanted mode proxying to the app → the URL', () => {
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTPS')), https)).toEqual({
      kind: 'served',
      url: `https://${HOST}`,
      funnel: false,
    });
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTP')), { ...https, mode: 'http' })).toEqual({
      kind: 'served',
      url: `http://${HOST}:443`,
      funnel: false,
    });
  });
  it('funnel wanted: served only with AllowFunnel for that host', () => {
    const want = { ...https, funnel: true };
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTPS')), want)).toEqual({
      kind: 'pending',
      why: 'configuring funnel',
    });
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTPS', true)), want)).toMatchObject({
      kind: 'served',
      funnel: true,
    });
  });
  it("a pending login is a person's job, with the URL", () => {
    const node = parseNodeStatus(status({ BackendState: 'NeedsLogin', AuthURL: 'https://login.tailscale.com/a/x' }));
    expect(judgeNode(node, parseServeStatus('{}'), https)).toEqual({ kind: 'login', url: 'https://login.tailscale.com/a/x' });
  });
  it('HTTPS certificates off (no "https" capability) → the actionable message, also before serve is tried', () => {
    const node = parseNodeStatus(status({ CertDomains: null }, { CapMap: { funnel: null } }));
    expect(judgeNode(node, parseServeStatus('{}'), https)).toEqual({
      kind: 'attention',
      message: 'serve not configured: enable HTTPS certificates for the tailnet',
    });
    // http mode (headscale) needs no certificates
    expect(judgeNode(node, parseServeStatus(serve('HTTP')), { ...https, mode: 'http' })).toMatchObject({ kind: 'served' });
  });
  it('no funnel node attribute → funnel not allowed', () => {
    const node = parseNodeStatus(status({}, { CapMap: { https: null } }));
    expect(judgeNode(node, parseServeStatus('{}'), { ...https, funnel: true })).toEqual({
      kind: 'attention',
      message: 'funnel not allowed for this node',
    });
  });
  it('pending while joining, while serve is not (or wrongly) configured', () => {
    expect(judgeNode(parseNodeStatus(status({ BackendState: 'Starting' })), null, https)).toEqual({
      kind: 'pending',
      why: 'joining the tailnet (Starting)',
    });
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus('{}'), https)).toEqual({ kind: 'pending', why: 'configuring serve' });
    // saved in another mode (the state dir kept it): the start's own serve cannot change it
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTP')), https)).toEqual({
      kind: 'pending',
      why: 'configuring serve (saved as http, not https)',
      reconfigure: true,
    });
    expect(judgeNode(parseNodeStatus(status()), parseServeStatus(serve('HTTPS', false, 'http://localhost:8080')), https)).toEqual({
      kind: 'pending',
      why: 'configuring serve',
    });
  });
});
