/**
 * How an event on a Swarm tells the manager what it sees inside. The manager cannot exec into a task on
 * another node (test/fixtures/swarm/FINDINGS.md §5), but it reads every task's output (`docker service
 * logs`). So the task's health check runs the event's probe (tailnet/probe.ts) and, when what it printed
 * changed, writes it to the container's own output as one line: the mark, the task, the probe's exit
 * code and its output (gzip, base64: a status JSON is a few KB and Docker splits log lines at 16 KB).
 * The health check's verdict is the app's health, and false whenever tailscaled runs without a TUN
 * device: in userspace networking a peer reaches the app past serve with forged identity headers
 * (FINDINGS.md §1-2), so such a task is unhealthy and Swarm replaces it.
 */
import { gunzipSync } from 'node:zlib';
import type { HealthCheck } from '../../render/service.js';
import { PROBE_SCRIPT } from '../../tailnet/probe.js';
import type { ExecResult } from '../target.js';

/** Starts every report line. */
export const REPORT_MARK = 'demo-fleet-report';
/** The task's own ID, filled in by Swarm's service templates (`{{.Task.ID}}`), so a report names its task. */
export const TASK_ENV = 'DEMO_FLEET_TASK';
export const TASK_ENV_VALUE = '{{.Task.ID}}';
/** Between health checks (and so between reports): readiness sees a change this late at most. */
export const REPORT_INTERVAL_MS = 5_000;
/** The check's own time limit, at least. */
const REPORT_TIMEOUT_MS = 10_000;
/** An unchanged report is sent again after this many minutes (a reader looks back twice as far, and more). */
export const RESEND_MINUTES = 5;

const DIR = '/run/demo-fleet';
/** awk: the `"Health": [ … ]` lines of the status JSON, but those with the login error (commas dropped). */
const HEALTH_FILTER = '/"Health": \\[/{h=1;print;next} h&&/^ *\\]/{h=0} h{if(/logged out/){sub(/,$/,"");print};next} {print}';

/** The app's own check as a shell command (a CMD-SHELL test, or an exec-form one quoted). */
function appCheck(test: string[]): string {
  if (test[0] === 'CMD-SHELL') return test.slice(1).join(' ');
  const argv = test[0] === 'CMD' ? test.slice(1) : test;
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
}

/** The task's health check: the app's check, the probe reported when it changed, no userspace networking. */
export function reportingHealthCheck(h: HealthCheck): HealthCheck {
  const script = [
    `app=0; (${appCheck(h.test)}) >/dev/null 2>&1 || app=1`,
    `mkdir -p ${DIR}`,
    `(${PROBE_SCRIPT}) >${DIR}/probe.out 2>/dev/null; rc=$?`,
    // the first line is the clock: a report is sent when the rest changed, health warnings aside but the
    // login error the verdict reads (node-state.ts LOGIN_ERROR): they come and go (measured on the real
    // tailnet: a relay or DNS warning flapping every 15-20 s on an idle node, FINDINGS.md §6)
    `tail -n +2 ${DIR}/probe.out | awk '${HEALTH_FILTER}' >${DIR}/probe.body`,
    // sent again after RESEND_MINUTES unchanged, so a reader needs only the last minutes of the logs; kept
    // as sent only once written (a failed write is tried again at the next check)
    `if ! cmp -s ${DIR}/probe.body ${DIR}/probe.sent || [ -n "$(find ${DIR}/probe.sent -mmin +${RESEND_MINUTES} 2>/dev/null)" ]; then ` +
      `echo "${REPORT_MARK} $${TASK_ENV} $rc $(gzip -c ${DIR}/probe.out | base64 | tr -d '\\n')" >/proc/1/fd/1 && mv ${DIR}/probe.body ${DIR}/probe.sent; fi`,
    `if grep -q '"TUN": false' ${DIR}/probe.out; then echo 'tailscaled runs without a TUN device (userspace networking)'; exit 1; fi`,
    'exit $app',
  ].join('\n');
  return {
    ...h,
    test: ['CMD-SHELL', script],
    intervalMs: Math.min(h.intervalMs, REPORT_INTERVAL_MS),
    // the probe runs two tailscale commands too: a slow tailscaled must not make the check time out
    // (on Swarm an unhealthy task is killed and replaced)
    timeoutMs: Math.max(h.timeoutMs, REPORT_TIMEOUT_MS),
  };
}

export function isReportLine(line: string): boolean {
  return line.includes(`${REPORT_MARK} `);
}

const LINE = new RegExp(`${REPORT_MARK} (\\S+) (\\d+) ([A-Za-z0-9+/=]+)\\s*$`);

/** The newest report of `task` in a log text, as the probe's exec result; null when it has none. */
export function lastReport(logText: string, task: string): ExecResult | null {
  const lines = logText.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = LINE.exec(lines[i]!);
    if (!m || m[1] !== task) continue;
    try {
      return { exitCode: Number(m[2]), stdout: gunzipSync(Buffer.from(m[3]!, 'base64')).toString('utf8'), stderr: '' };
    } catch {
      // a line cut short (the task stopped while writing it): an older one may still be whole
    }
  }
  return null;
}
