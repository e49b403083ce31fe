/**
 * The one look inside an event that tells its readiness: the container's clock and the app's recent
 * starts, then (when tailscale answers) the node's status and its serve config. One command, so a target
 * that can exec runs it on demand, and a target that cannot (Swarm: the manager cannot exec into a task
 * on another node) has the event's own health check run it and report what it printed (targets/swarm/).
 * Parsing stays with the readers (converge/readiness.ts, deploy/retire.ts).
 */
import { NODE_STATUS_COMMAND } from './node-state.js';

/**
 * Where templates/s6/svc-demo-app/run appends the time (UNIX seconds) each time the app starts. A
 * supervisor that restarts a crashing app keeps the container running and its health "starting" for the
 * whole start period; this file is what tells a crash loop from a slow start.
 */
export const APP_STARTS = '/run/demo-fleet/app-starts';

const NODE_SEPARATOR = '---demo-fleet: node status---';
const SERVE_SEPARATOR = '---demo-fleet: serve status---';

/** The probe as a shell script (for targets that embed it in another command). */
export const PROBE_SCRIPT =
  `date +%s; cat ${APP_STARTS} 2>/dev/null; echo '${NODE_SEPARATOR}'; ` +
  `${NODE_STATUS_COMMAND.join(' ')} && echo && echo '${SERVE_SEPARATOR}' && tailscale serve status --json`;

/** The probe as a command to exec. Without a docker-mod (no tailscale) it stops after the app's section. */
export const EVENT_PROBE: readonly string[] = ['sh', '-c', PROBE_SCRIPT];

export interface ProbeSections {
  /** The clock, then one app start per line. */
  app: string;
  /** `tailscale status --json` (empty when tailscale did not answer). */
  status: string;
  /** `tailscale serve status --json` (empty when not reached). */
  serve: string;
}

/** The probe's output cut into its sections. */
export function probeSections(stdout: string): ProbeSections {
  const split = stdout.indexOf(NODE_SEPARATOR);
  // No app section (not our probe's output): all of it is read as the node's.
  const app = split < 0 ? '' : stdout.slice(0, split);
  const node = split < 0 ? stdout : stdout.slice(split + NODE_SEPARATOR.length);
  const [status = '', serve = ''] = node.split(SERVE_SEPARATOR);
  return { app, status, serve };
}
