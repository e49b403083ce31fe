/** describeConfigChange: what a re-create changes, as the plan line (`up --dry-run`) says it — keys, never values. */
import { describe, expect, it } from 'vitest';
import { describeConfigChange } from '../../../cli/converge/config-diff.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { AUTHKEY_ENV, serviceFor } from '../../../cli/render/service.js';

const paths = { fleetDir: '/srv/fleet', secretsDir: '/srv/fleet/compose/secrets' };
const fleetWith = (alpha: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  FleetSchema.parse({ name: 'conf', id: 'confconfconf', year: 2026, events: { alpha }, ...extra });

/** The container the old fleet file made: its env as the engine shows it (with the image's own PATH). */
function containerOf(fleet: ReturnType<typeof fleetWith>, secret: string | null) {
  const s = serviceFor(fleet, 'alpha', paths, secret ? 'digest' : null);
  return {
    environment: [['PATH', '/usr/bin'], ...s.environment, ...(secret ? [[AUTHKEY_ENV, secret]] : [])] as Array<[string, string]>,
    image: s.image,
    mounts: s.volumes.map((v) => v.source),
    labels: s.labels,
  };
}

describe('describeConfigChange', () => {
  const old = containerOf(fleetWith({ tz: 'Europe/Berlin', inviteLink: 'https://x.example/a' }), 'tskey-auth-SECRET');

  it('names added, changed and removed env keys and never a value', () => {
    const now = serviceFor(fleetWith({ tz: 'America/New_York', funnel: true }), 'alpha', paths, 'digest');
    const line = describeConfigChange(now, old)!;
    expect(line).toBe('env TAILSCALE_FUNNEL added; env TZ changed; env DEMO_INVITE_LINK removed');
    for (const value of ['America/New_York', 'Europe/Berlin', 'x.example', 'SECRET', 'PATH']) expect(line).not.toContain(value);
  });

  it('names an auth key added or removed, the image, the state dir mount and the hostname', () => {
    const now = serviceFor(
      fleetWith(
        { tz: 'Europe/Berlin', inviteLink: 'https://x.example/a', hostname: 'alpha-booth' },
        { image: 'acme/demo', appdata: '/data' },
      ),
      'alpha',
      paths,
      null,
    );
    expect(describeConfigChange(now, old)).toBe(
      'env TAILSCALE_HOSTNAME changed; auth key removed; image demo-fleet/id-headers-demo:alpha → acme/demo:alpha; ' +
        'state dir mount /srv/fleet/appdata/2026/alpha → /data/2026/alpha; hostname alpha2026 → alpha-booth',
    );
  });

  it('null when none of the compared parts differ (the plan then names what it cannot see)', () => {
    const same = serviceFor(fleetWith({ tz: 'Europe/Berlin', inviteLink: 'https://x.example/a' }), 'alpha', paths, 'digest');
    expect(describeConfigChange(same, old)).toBeNull();
  });

  it('a container running its revision (a rev- tag, a registry host with a port, an image ID) is no image change', () => {
    const same = serviceFor(fleetWith({ tz: 'Europe/Berlin', inviteLink: 'https://x.example/a' }), 'alpha', paths, 'digest');
    for (const image of [`${same.image.replace(/:alpha$/, '')}:rev-1a2b3c4-0123456789ab`, `sha256:${'a'.repeat(64)}`]) {
      expect(describeConfigChange(same, { ...old, image }), image).toBeNull();
    }
    const ported = serviceFor(fleetWith({}, { image: 'localhost:5000/demo' }), 'alpha', paths, null);
    const onRevision = { ...old, image: 'localhost:5000/demo:rev-1a2b3c4-0123456789ab', environment: ported.environment };
    expect(describeConfigChange(ported, { ...onRevision, labels: ported.labels })).toBeNull();
    expect(
      describeConfigChange(ported, { ...onRevision, image: 'localhost:5001/demo:rev-1a2b3c4-0123456789ab', labels: ported.labels }),
    ).toBe('image localhost:5001/demo:rev-1a2b3c4-0123456789ab → localhost:5000/demo:alpha');
  });

  it('a container from before the env-keys label: added and changed only', () => {
    const { [LABELS.envKeys]: _, ...labels } = old.labels;
    const now = serviceFor(fleetWith({ tz: 'Europe/Berlin' }), 'alpha', paths, 'digest');
    expect(describeConfigChange(now, { ...old, labels })).toBeNull();
  });
});
