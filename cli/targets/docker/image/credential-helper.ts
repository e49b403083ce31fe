/**
 * The docker-credential-helpers protocol, as the docker CLI speaks it: run `docker-credential-<name> get`
 * with the server URL on stdin; it prints `{"ServerURL", "Username", "Secret"}` as JSON, or fails with
 * "credentials not found in native keychain" when it has nothing for that server (then: anonymous).
 * A Username of `<token>` means the Secret is an identity token. The helper's output is never printed
 * (a failing helper may still have written a secret).
 */
import { spawn } from 'node:child_process';
import { RegistryError } from '../../../errors.js';

export const HELPER_PREFIX = 'docker-credential-';
/** docker-credential-helpers' standard "nothing stored for this server" message. */
const NOT_FOUND = 'credentials not found in native keychain';
const TOKEN_USERNAME = '<token>';
/** A helper may ask the OS keychain (a dialog): bounded, but generously. */
const HELPER_TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 1 << 20;

export interface HelperCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface Run {
  code: number | null;
  stdout: string;
  error?: NodeJS.ErrnoException;
  timedOut: boolean;
}

function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let timedOut = false;
    // Our own timer, cleared on every outcome: spawn's `timeout` option keeps a timer alive when the
    // program cannot be started (ENOENT), holding the process open until it fires.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, HELPER_TIMEOUT_MS);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, error, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, timedOut });
    });
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin
    child.stdin.end(serverUrl);
  });
}

/**
 * Credentials for `serverUrl` from helper `name` (from `credsStore`/`credHelpers` in `configFile`);
 * null when the helper has none for it.
 */
export async function helperCredentials(
  name: string,
  serverUrl: string,
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelperCredentials | null> {
  const program = `${HELPER_PREFIX}${name}`;
  const where = `(configured in ${configFile})`;
  const run = await runHelper(program, serverUrl, env);
  if (run.error?.code === 'ENOENT') {
    throw new RegistryError(
      `credential helper ${program} ${where} is not on PATH: install it, or remove "${name}" from credsStore/credHelpers`,
    );
  }
  if (run.error) throw new RegistryError(`credential helper ${program} ${where} could not run: ${run.error.message}`);
  if (run.timedOut) throw new RegistryError(`credential helper ${program} ${where} did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
  if (run.code !== 0) {
    if (run.stdout.trim().toLowerCase() === NOT_FOUND) return null;
    throw new RegistryError(`credential helper ${program} ${where} failed for ${serverUrl} (exit code ${run.code})`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(run.stdout) as typeof parsed;
  } catch {
    throw new RegistryError(`credential helper ${program} ${where} answered for ${serverUrl} with something that is not JSON`);
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (!secret) return null;
  return username === TOKEN_USERNAME ? { identitytoken: secret } : { username, password: secret };
}
