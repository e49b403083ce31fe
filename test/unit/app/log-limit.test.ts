import { describe, expect, it } from 'vitest';
import { windowLimiter } from '../../../app/log-limit.js';

describe('windowLimiter', () => {
  it('allows max per window and reports the dropped count with the next allowed event', () => {
    let now = 1_000;
    const take = windowLimiter(2, 60_000, () => now);
    expect(take()).toEqual({ allowed: true, dropped: 0 });
    expect(take()).toEqual({ allowed: true, dropped: 0 });
    expect(take()).toEqual({ allowed: false, dropped: 0 });
    expect(take()).toEqual({ allowed: false, dropped: 0 });
    now += 60_000;
    expect(take()).toEqual({ allowed: true, dropped: 2 });
    expect(take()).toEqual({ allowed: true, dropped: 0 });
  });
});
