/**
 * One deployment: the fleet file read and checked once, its identity, every path derived from it, and the
 * target it deploys to. The command layer opens it once and hands it to a core (`up(deployment, …)`), so a
 * core never sets itself up and a test can hand it another target.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import { type FleetOwner, fleetOwner } from '../fleet/identity.js';
import { requireEvents } from '../fleet/known-events.js';
import type { Fleet } from '../fleet/schema.js';
import { composeDirFor, secretsDirFor } from '../render/render.js';
import { openTarget } from '../targets/open.js';
import type { Target } from '../targets/target.js';

export interface DeploymentPaths {
  /** The fleet file's directory: relative paths of the fleet file are relative to it. */
  fleetDir: string;
  /** Where `render` writes (compose/ beside the fleet file). */
  composeDir: string;
  /** The events' secret env files and the minted keys' records (on this machine). */
  secretsDir: string;
}

export interface Deployment {
  /** The fleet file as the user named it (for messages). */
  readonly fleetFile: string;
  /** The run's environment: where `authKey: {env: …}` is read at render. */
  readonly env: NodeJS.ProcessEnv;
  readonly fleet: Fleet;
  readonly owner: FleetOwner;
  readonly paths: DeploymentPaths;
  readonly target: Target;
  /**
   * appdata as the target's host sees it (absolute). A relative appdata names a directory on this
   * machine, which a remote target does not have: refused there with the fix (only commands that use
   * appdata ask, so `down` or `status` still work).
   */
  appdata(): string;
  /** The audit log's directory on the target's host (under appdata). */
  auditDir(): string;
  /** Throws a UsageError for the first name that is not an event of the fleet file. */
  requireEvents(names: string[]): void;
}

export interface OpenOptions {
  /** Another target than the one the environment names (tests hand in an in-memory one). */
  target?: Target;
  /** The run's working directory (messages show the fleet file relative to it); default the process's. */
  cwd?: string;
  /** The run's environment; default the process's. */
  env?: NodeJS.ProcessEnv;
}

export async function openDeployment(fleetFile: string, options: OpenOptions = {}): Promise<Deployment> {
  const cwd = options.cwd ?? process.cwd();
  const { fleet } = await loadFleet(fleetFile, cwd);
  return deploymentOf(fleetFile, fleet, options.target ?? openTarget(fleet.target), cwd, options.env ?? process.env);
}

function deploymentOf(fleetFile: string, fleet: Fleet, target: Target, cwd: string, env: NodeJS.ProcessEnv): Deployment {
  const absolute = path.resolve(fleetFile);
  const fleetDir = path.dirname(absolute);
  const composeDir = composeDirFor(absolute);
  const appdata = (): string => {
    if (!path.isAbsolute(fleet.appdata) && !target.sharesHostPaths) {
      throw new UsageError(
        `${fleetFile}: appdata: "${fleet.appdata}" is relative, but the engine is ${target.endpoint}: state dirs live on that host, so give an absolute path there (e.g. appdata: /srv/demo-fleet/appdata)`,
      );
    }
    return path.resolve(fleetDir, fleet.appdata);
  };
  return {
    fleetFile,
    env,
    fleet,
    owner: fleetOwner(fleet, fleetFile, { cwd, env }),
    paths: { fleetDir, composeDir, secretsDir: secretsDirFor(composeDir) },
    target,
    appdata,
    auditDir: () => path.join(appdata(), '.demo-fleet', 'audit'),
    requireEvents: (names) => requireEvents(fleet, names),
  };
}
