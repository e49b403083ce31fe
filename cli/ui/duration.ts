/** Durations as people read them: elapsed time of work ("0.4s", "12.3s", "2m05s") and uptime like `docker ps`. */

/** Elapsed milliseconds as compose prints them: tenths of a second below a minute, then minutes and seconds. */
export function elapsed(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 60_000) return `${(Math.floor(t / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(t / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** "5 s" / "3 min" / "2 h" / "4 days" since an ISO time, as `docker ps` says it; null for none. */
function since(time: string | null, now: number): string | null {
  if (!time) return null;
  const s = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (Number.isNaN(s)) return null;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}

/** "Up 5 s" / "Up 3 min" / "Up 2 h" / "Up 4 days" since an ISO time, as `docker ps` says it; "-" for none. */
export function upFor(startedAt: string | null, now = Date.now()): string {
  const span = since(startedAt, now);
  return span ? `Up ${span}` : '-';
}

/** "3 min ago" (`docker images`' CREATED); "-" for none. */
export function ago(time: string | null, now = Date.now()): string {
  const span = since(time, now);
  return span ? `${span} ago` : '-';
}
