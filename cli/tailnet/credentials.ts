/**
 * The API credentials `keys:` points to (an environment variable or a file, as `authKey` does), read at
 * the moment they are needed. A message names where a credential was looked for, never what it holds.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { AuthKeySource } from '../fleet/schema.js';
import type { z } from 'zod';

type Source = z.output<typeof AuthKeySource>;

/** Tokens and API keys are short; this bound stops what is surely not one (and /dev/zero). */
const MAX_BYTES = 4096;

/** The credential at `source` (`field` names it in messages, e.g. keys.apiToken); relative files from `fleetDir`. */
export async function readCredential(field: string, source: Source, fleetDir: string): Promise<string> {
  const where = 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
  let value: string | undefined;
  if ('env' in source) {
    value = process.env[source.env]?.trim();
    if (!value) throw new UsageError(`${field}: ${where} is not set: export it (or point ${field} at a file)`);
  } else {
    const file = path.resolve(fleetDir, source.file);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new UsageError(`${field}: ${where} is not a readable file: create it or fix the path`);
    if (info.size > MAX_BYTES) throw new UsageError(`${field}: ${where} is ${info.size} bytes: it must hold the credential only`);
    value = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (!value) throw new UsageError(`${field}: ${where} is empty or cannot be read: put the credential in it`);
  }
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new UsageError(`${field}: ${where} does not hold a credential (one line of printable characters without spaces): check it`);
  }
  return value;
}
