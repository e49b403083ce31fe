/**
 * "Does the state dir hold a node?" is read from tailscaled.state itself: its layout on the real binaries
 * (tailscale 1.102.5; test/fixtures/real-tailnet/FINDINGS.md b) is a JSON object of base64 values.
 */
import { describe, expect, it } from 'vitest';
import { registered } from '../../../../cli/targets/docker/state-dir.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registered (tailscaled.state)', () => {
  it('a registered node names its current profile', () => {
    const state = {
      _machinekey: b64('privkey:00'),
      '_current-profile': b64('f6fe'),
      _profiles: b64('{"f6fe":{"ID":"f6fe","Name":"fleet@example.com"}}'),
      'profile-f6fe': b64('{"ControlURL":"http://10.0.0.2:8080"}'),
      '_serve/f6fe': b64('{"TCP":{"443":{"HTTP":true}}}'),
    };
    expect(registered(JSON.stringify(state))).toBe(true);
  });

  it('after a refused first join the file is not empty but holds only the machine key: no node', () => {
    const state = JSON.stringify({ _machinekey: b64('privkey:00') });
    expect(state.length).toBeGreaterThan(0);
    expect(registered(state)).toBe(false);
  });

  it('an empty, partial or foreign file holds no node to keep', () => {
    for (const text of ['', '{"_machinekey":', 'null', '[]', '{"_current-profile":""}']) expect(registered(text)).toBe(false);
  });
});
