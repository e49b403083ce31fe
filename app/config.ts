/** The app's configuration from environment variables. */
import type { AppOptions } from './app.js';
import { APP_ENV } from './env-names.js';

export interface AppConfig {
  host: string;
  port: number;
  options: AppOptions;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** "a, b,,c " -> ["a", "b", "c"] */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function httpUrl(name: string, value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  return v;
}

function port(value: string | undefined): number {
  const v = value?.trim();
  if (!v) return 5000;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new ConfigError(`PORT must be an integer 0-65535, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * HOST (127.0.0.1), PORT (5000), DEMO_INVITE_LINK, TAILSCALE_URL, TAILSCALE_FUNNEL (Funnel on when
 * defined at all, as the docker-mod reads it), ALLOWED_DOMAINS, ALLOWED_USERS (comma lists),
 * LOG_LEVEL (info), STATIC_DIR.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const options: AppOptions = { logger: { level: env.LOG_LEVEL?.trim() || 'info' } };
  const inviteLink = httpUrl(APP_ENV.inviteLink, env[APP_ENV.inviteLink]);
  const tailscaleUrl = httpUrl(APP_ENV.tailscaleUrl, env[APP_ENV.tailscaleUrl]);
  const allowedDomains = commaList(env[APP_ENV.allowedDomains]);
  const allowedUsers = commaList(env[APP_ENV.allowedUsers]);
  const staticDir = env.STATIC_DIR?.trim();
  if (inviteLink) options.inviteLink = inviteLink;
  if (tailscaleUrl) options.tailscaleUrl = tailscaleUrl;
  if (env[APP_ENV.funnel] !== undefined) options.funnel = true;
  if (allowedDomains.length) options.allowedDomains = allowedDomains;
  if (allowedUsers.length) options.allowedUsers = allowedUsers;
  if (staticDir) options.staticDir = staticDir;
  return { host: env.HOST?.trim() || '127.0.0.1', port: port(env.PORT), options };
}
