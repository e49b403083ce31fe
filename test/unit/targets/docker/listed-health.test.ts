import { describe, expect, it } from 'vitest';
import { listedHealth } from '../../../../cli/targets/docker/containers.js';

describe('listedHealth (health as docker ps shows it)', () => {
  it.each([
    ['Up 2 minutes (healthy)', 'healthy'],
    ['Up 3 seconds (health: starting)', 'starting'],
    ['Up 1 hour (unhealthy)', 'unhealthy'],
    ['Up 5 minutes', undefined],
    ['Exited (0) 2 seconds ago', undefined],
    [undefined, undefined],
  ])('%s → %s', (status, expected) => {
    expect(listedHealth(status)).toBe(expected);
  });
});
