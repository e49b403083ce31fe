/**
 * `doctor`: the fleet file loads and validates (every problem, one line each, as `up` would report them:
 * time zones, booleans, durations, key sources), and each event's auth key source holds a key.
 */
import path from 'node:path';
import { FleetError } from '../errors.js';
import { loadFleet } from '../fleet/file.js';
import type { Fleet } from '../fleet/schema.js';
import { readEventSecret } from '../render/secrets.js';
import { fail, ok, warn, type Finding } from '../finding.js';

export async function checkFleetFile(fleetFile: string): Promise<{ findings: Finding[]; fleet: Fleet | null }> {
  try {
    const { fleet } = await loadFleet(fleetFile);
    const events = Object.keys(fleet.events);
    const zones = [...new Set([fleet.tz, ...events.map((e) => fleet.events[e]!.tz).filter((tz): tz is string => Boolean(tz))])];
    return {
      findings: [ok('fleet-file', `${fleetFile}: valid, ${events.length} event(s), time zone(s) ${zones.join(', ')}`)],
      fleet,
    };
  } catch (err) {
    if (!(err instanceof FleetError)) throw err;
    return { findings: err.message.split('\n').map((line) => fail('fleet-file', line)), fleet: null };
  }
}

/**
 * Each event's key source, read as `render` reads it (the key is never shown): a configured source
 * that is unset or unreadable fails (the node would wait for a login instead of joining); no source at
 * all is a warning (an interactive login is a choice).
 */
export async function checkAuthKeys(fleet: Fleet, fleetFile: string): Promise<Finding[]> {
  const fleetDir = path.dirname(fleetFile);
  const events = Object.keys(fleet.events).sort();
  return Promise.all(
    events.map(async (event): Promise<Finding> => {
      const config = fleet.events[event]!;
      const source = config.authKey;
      try {
        const secret = await readEventSecret(event, config, fleetDir);
        if (secret.text !== null) {
          const where = source && 'env' in source ? `environment variable ${source.env}` : `file ${source?.file}`;
          return ok('auth-key', `event ${event}: ${where} holds a key`);
        }
        if (!source && config.interactiveLogin) return ok('auth-key', `event ${event}: logs in interactively (interactiveLogin: true)`);
        if (!source && (fleet.keys || fleet.controlServer))
          return ok(
            'auth-key',
            `event ${event}: \`up\` mints a key for its node if it is new (${fleet.keys ? 'keys:' : 'controlServer:'})`,
          );
        if (!source)
          return warn(
            'auth-key',
            `event ${event}: no authKey; the node will wait for an interactive login`,
            `\`demo-fleet add ${event} --update --auth-key-env <VAR>\``,
          );
        const fix =
          'env' in source ? `export ${source.env}=<auth key> before \`up\`` : `put the auth key in ${path.resolve(fleetDir, source.file)}`;
        return fail('auth-key', secret.warning?.replace(/; the node will wait.*$/, '') ?? `event ${event}: no key`, fix);
      } catch (err) {
        if (!(err instanceof FleetError)) throw err;
        return fail('auth-key', err.message);
      }
    }),
  );
}
