/** Shared bits for the app's unit tests. */
import { fileURLToPath } from 'node:url';
import { buildApp, type AppOptions } from '../../../app/app.js';

export const STATIC_DIR = fileURLToPath(new URL('../../../app/static', import.meta.url));

export const ZOE = {
  'tailscale-user-login': 'zoe@example.com',
  'tailscale-user-name': '=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=',
} as const;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** buildApp with the repo's static dir and a logger whose JSON lines land in `logs`. */
export function testApp(options: AppOptions = {}): { app: ReturnType<typeof buildApp>; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const app = buildApp({
    staticDir: STATIC_DIR,
    logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
    ...options,
  });
  return { app, logs };
}

/** The text of the first element matching a simple tag regex, e.g. h1. */
export function tagText(html: string, tag: string): string | undefined {
  return new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(html)?.[1];
}

export function metaContent(html: string, property: string): string | undefined {
  return new RegExp(`<meta (?:property|name)="${property.replace(/[.:]/g, '\\$&')}" content="([^"]*)">`).exec(html)?.[1];
}
