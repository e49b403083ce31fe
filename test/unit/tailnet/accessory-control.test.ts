/** The fleet's own headscale as a ControlServer: which headscale CLI calls each release gets, and what their answers mean. */
import { describe, expect, it } from 'vitest';
import { accessoryControl, ensureUser, type HeadscaleCli } from '../../../cli/tailnet/accessory-control.js';
import { controlServerAccessory } from '../../../cli/tailnet/control-server.js';
import { accessoryCreateOptions } from '../../../cli/targets/docker/accessory.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { releaseChangeProblem } from '../../../cli/deploy/control-server.js';

/** A headscale CLI that answers from a table (first matching prefix) and records every call. */
function fakeCli(answers: Array<[string, { exitCode?: number; stdout?: string; stderr?: string }]>) {
  const calls: string[] = [];
  const cli: HeadscaleCli = async (args) => {
    const line = args.join(' ');
    calls.push(line);
    const hit = answers.find(([prefix]) => line.startsWith(prefix));
    if (!hit) throw new Error(`unexpected headscale ${line}`);
    return { exitCode: hit[1].exitCode ?? 0, stdout: hit[1].stdout ?? '', stderr: hit[1].stderr ?? '' };
  };
  return { cli, calls };
}

describe('accessoryControl', () => {
  it('mints a single-use key for the user, with its expiry, and never shows the key when printed', async () => {
    const { cli, calls } = fakeCli([
      ['preauthkeys create', { stdout: JSON.stringify({ id: 7, key: 'hskey-auth-secret', expiration: { seconds: 1_900_000_000 } }) }],
    ]);
    const control = accessoryControl({ cli, version: '0.29.3', userId: '3', name: 'acme-headscale', expiry: '1h' });
    const key = await control.mint('alpha');
    expect(calls).toEqual(['preauthkeys create --user 3 --expiration 1h -o json']);
    expect(key).toMatchObject({ id: '7', key: 'hskey-auth-secret', userId: '3' });
    expect(key.expires?.toISOString()).toBe(new Date(1_900_000_000_000).toISOString());
    expect(JSON.stringify(key)).not.toContain('hskey-auth-secret');
    expect(control.name).toBe('headscale (acme-headscale)');
  });

  it('expires a key by ID on 0.28+, by the key itself (looked up when not held) on 0.26-0.27', async () => {
    const modern = fakeCli([['preauthkeys expire --id 7', {}]]);
    expect(await accessoryControl({ cli: modern.cli, version: '0.28.0', userId: '3', name: 'x', expiry: '1h' }).revoke({ id: '7' })).toBe(
      'revoked',
    );
    const old = fakeCli([
      ['preauthkeys --user 3 list', { stdout: JSON.stringify([{ id: 7, key: 'abc123' }]) }],
      ['preauthkeys --user 3 expire abc123', {}],
    ]);
    const control = accessoryControl({ cli: old.cli, version: '0.26.1', userId: '3', name: 'x', expiry: '1h' });
    expect(await control.revoke({ id: '7', userId: '3' })).toBe('revoked');
    expect(await control.revoke({ id: '8', userId: '3' })).toBe('gone');
  });

  it('finds nodes by given name or hostname and deletes them; a missing node is gone', async () => {
    const { cli, calls } = fakeCli([
      [
        'nodes list',
        {
          stdout: JSON.stringify([
            { id: 4, name: 'alpha2026', given_name: 'alpha2026' },
            { id: 5, name: 'x', given_name: 'beta2026' },
          ]),
        },
      ],
      ['nodes delete --identifier 4', {}],
      ['nodes delete --identifier 9', { exitCode: 1, stderr: 'Error: node not found' }],
    ]);
    const control = accessoryControl({ cli, version: '0.29.3', userId: '1', name: 'x', expiry: '1h' });
    expect(await control.nodeIdsByHostname('beta2026')).toEqual(['5']);
    expect(await control.deleteNode('4')).toBe('deleted');
    expect(await control.deleteNode('9')).toBe('gone');
    expect(calls).toContain('nodes delete --identifier 4 --force');
  });

  it('ensureUser creates the user only when it is not there', async () => {
    const there = fakeCli([['users list', { stdout: JSON.stringify([{ id: 2, name: 'demo-fleet' }]) }]]);
    expect(await ensureUser(there.cli, 'demo-fleet')).toBe('2');
    expect(there.calls).toEqual(['users list -o json']);
    const missing = fakeCli([
      ['users list', { stdout: 'null' }],
      ['users create demo-fleet', { stdout: JSON.stringify({ id: 1, name: 'demo-fleet' }) }],
    ]);
    expect(await ensureUser(missing.cli, 'demo-fleet')).toBe('1');
  });

  it("a refused call is a ControlServerError with headscale's last line, not its output", async () => {
    const { cli } = fakeCli([['preauthkeys create', { exitCode: 1, stderr: 'line one\nError: user not found' }]]);
    await expect(accessoryControl({ cli, version: '0.29.3', userId: '1', name: 'x', expiry: '1h' }).mint('a')).rejects.toThrow(
      /headscale preauthkeys create failed \(exit 1\): Error: user not found/,
    );
  });
});

describe('controlServerAccessory', () => {
  const fleet = (extra: Record<string, unknown> = {}) =>
    FleetSchema.parse({
      name: 'acme',
      id: 'abcdefghijkl',
      year: 2026,
      events: {},
      controlServer: {
        version: '0.29.3',
        url: 'http://10.1.2.3:8080',
        baseDomain: 'demo.tailnet.test',
        publish: '127.0.0.1:8080',
        ...extra,
      },
    });

  it('is the official image at v<version> running serve, its config put in, its state under appdata, on the fleet network', () => {
    const def = controlServerAccessory(fleet(), '/srv/appdata', null);
    expect(def).toMatchObject({
      name: 'acme-headscale',
      image: 'headscale/headscale:v0.29.3',
      command: ['serve'],
      volumes: [{ source: '/srv/appdata/control-server', target: '/var/lib/headscale' }],
      network: 'acme-tailnet',
      publish: { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 8080 },
      secretEnvironment: [],
    });
    expect(def.files[0]?.path).toBe('/etc/headscale/config.yaml');
    expect(def.files[0]?.content).toMatch(/^server_url: "?http:\/\/10\.1\.2\.3:8080"?$/m);
    expect(def.labels['dev.demo-fleet.accessory']).toBe('control-server');
  });

  it('publishes the listen port and, with the embedded DERP, its STUN port (udp) on the same host address', () => {
    const withDerp = accessoryCreateOptions(controlServerAccessory(fleet(), '/a', null), {});
    expect(withDerp.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '3478/udp': [{ HostIp: '127.0.0.1', HostPort: '3478' }],
    });
    expect(Object.keys(withDerp.ExposedPorts ?? {}).sort()).toEqual(['3478/udp', '8080/tcp']);
    const noDerp = accessoryCreateOptions(controlServerAccessory(fleet({ embeddedDerp: false }), '/a', null), {});
    expect(Object.keys(noDerp.HostConfig?.PortBindings ?? {})).toEqual(['8080/tcp']);
    const unpublished = accessoryCreateOptions(controlServerAccessory(fleet({ publish: undefined }), '/a', null), {});
    expect(unpublished.HostConfig?.PortBindings).toBeUndefined();
    expect(unpublished.Healthcheck?.Test).toEqual(['CMD', 'headscale', 'health']);
  });

  it('its config hash moves with the config and the secret, not otherwise', () => {
    const hash = (f: ReturnType<typeof fleet>, digest: string | null) =>
      controlServerAccessory(f, '/a', digest).labels['dev.demo-fleet.config-hash'];
    expect(hash(fleet(), null)).toBe(hash(fleet(), null));
    expect(hash(fleet({ version: '0.28.0' }), null)).not.toBe(hash(fleet(), null));
    expect(hash(fleet(), 'd1')).not.toBe(hash(fleet(), 'd2'));
  });
});

describe('releaseChangeProblem', () => {
  it('allows the same release, a patch up and one minor up; refuses going back and skipping a minor', () => {
    expect(releaseChangeProblem(undefined, '0.29.3')).toBeNull();
    expect(releaseChangeProblem('0.29.1', '0.29.3')).toBeNull();
    expect(releaseChangeProblem('0.28.0', '0.29.3')).toBeNull();
    expect(releaseChangeProblem('0.29.3', '0.28.0')).toMatch(/never moves its database back: set version: "0\.29\.3" again/);
    expect(releaseChangeProblem('0.29.3', '0.29.1')).toMatch(/never moves its database back/);
    expect(releaseChangeProblem('0.26.1', '0.28.0')).toMatch(/one minor release at a time, so set version to a 0\.27\.x release first/);
  });
});
