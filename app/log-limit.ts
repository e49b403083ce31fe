/** At most `max` events per window; counts what it dropped so the next allowed log can say so. */
export type Limiter = () => { allowed: boolean; dropped: number };

export function windowLimiter(max: number, windowMs: number, now: () => number = Date.now): Limiter {
  let windowStart = -Infinity;
  let used = 0;
  let dropped = 0;
  return () => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      used = 0;
    }
    if (used < max) {
      used++;
      const d = dropped;
      dropped = 0;
      return { allowed: true, dropped: d };
    }
    dropped++;
    return { allowed: false, dropped: 0 };
  };
}
