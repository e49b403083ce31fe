/** `logs` over a stand-in runtime: the app's lines formatted behind the event prefix, whole lines only, --raw as is. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../cli/deploy/deployment.js';
import { eventLogs } from '../../../cli/deploy/logs.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import type { ContainerDetails, LogOptions } from '../../../cli/targets/target.js';

const T = Date.parse('2026-12-07T22:40:01Z');
const APP = JSON.stringify({ level: 30, time: T, pid: 7, hostname: 'h', msg: 'identity demo listening', port: 5000 });
const TAILSCALED = '2026/12/08 07:40:00 wgengine: Reconfig done';
// the output as the engine hands it: chunks that cut a line (and a multi-byte character) in two
const OUTPUT = Buffer.from(`[custom-init] done\n${APP}\n${TAILSCALED} — ok\n`);
const CHUNKS = [OUTPUT.subarray(0, 30), OUTPUT.subarray(30, OUTPUT.length - 6), OUTPUT.subarray(OUTPUT.length - 6)];

function deployment(events: Record<string, string>): Deployment {
  const owner = { name: 'fleet', id: 'id1', appdataDir: '/srv' };
  const info = (event: string): ContainerDetails =>
    ({
      id: `c-${event}`,
      name: `fleet-${event}`,
      labels: { [LABELS.fleet]: 'fleet', [LABELS.fleetId]: 'id1', [LABELS.event]: event },
      environment: [['TZ', events[event]!]],
    }) as unknown as ContainerDetails;
  return {
    fleet: { name: 'fleet', events: Object.fromEntries(Object.keys(events).map((e) => [e, {}])) },
    owner,
    requireEvents: () => undefined,
    target: {
      connect: async () => 'engine',
      containers: {
        inspect: async (name: string) => info(name.replace(/^fleet-/, '')),
        logs: async (_id: string, o: LogOptions) => {
          for (const c of CHUNKS) o.stdout.write(c);
        },
      },
    },
  } as unknown as Deployment;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _e, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('logs', () => {
  it("one event: the app's line formatted in the container's TZ, the other lines as they are", async () => {
    const out = sink();
    await eventLogs(deployment({ tokyo: 'Asia/Tokyo' }), { event: 'tokyo', stdout: out.stream, stderr: sink().stream });
    expect(out.text()).toBe(`[custom-init] done\n2026/12/08 07:40:01 INFO  identity demo listening port=5000\n${TAILSCALED} — ok\n`);
  });

  it('every event: each line behind its event, formatted too', async () => {
    const out = sink();
    await eventLogs(deployment({ a: 'Etc/UTC', tokyo: 'Asia/Tokyo' }), { stdout: out.stream, stderr: sink().stream });
    expect(out.text().split('\n')).toContain('a     | 2026/12/07 22:40:01 INFO  identity demo listening port=5000');
    expect(out.text().split('\n')).toContain('tokyo | 2026/12/08 07:40:01 INFO  identity demo listening port=5000');
    expect(out.text()).not.toContain('{"level"');
  });

  it('--raw: the bytes as the engine has them', async () => {
    const out = sink();
    await eventLogs(deployment({ tokyo: 'Asia/Tokyo' }), { event: 'tokyo', raw: true, stdout: out.stream, stderr: sink().stream });
    expect(out.text()).toBe(OUTPUT.toString('utf8'));
  });
});
