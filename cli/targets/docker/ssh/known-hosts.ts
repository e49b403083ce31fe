/**
 * Host-key checking for an ssh:// engine, the way the docker CLI gets it: the docker CLI runs the `ssh`
 * binary (docker/cli cli/connhelper/connhelper.go:63 at 29e34ab), so OpenSSH checks the server's key
 * against the user's known_hosts files. This module reads the same files in the format sshd(8)
 * documents under "SSH_KNOWN_HOSTS FILE FORMAT" (plain and hashed host names, comma lists, `*`/`?`
 * wildcards, `!` negation, `[host]:port` for a port other than 22, the @revoked marker) and gives a
 * verdict. It never adds a key: an unknown or changed key is an error that names the fix.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KnownHostsLine {
  file: string;
  /** 1-based line number, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field as written: a comma list of patterns, or one hashed name (|1|salt|hash). */
  hosts: string;
  keyType: string;
  /** The key blob (base64-decoded), compared byte for byte with what the server shows. */
  key: Buffer;
}

/**
 * The files ssh(1) reads by default: UserKnownHostsFile and GlobalKnownHostsFile (ssh_config(5)).
 * `~` is $HOME here (os.homedir()); OpenSSH takes the passwd entry's home, which is the same for a
 * normal login and lets a test point at a home of its own.
 */
export function defaultKnownHostsFiles(home: string = os.homedir()): string[] {
  return [
    path.join(home, '.ssh', 'known_hosts'),
    path.join(home, '.ssh', 'known_hosts2'),
    '/etc/ssh/ssh_known_hosts',
    '/etc/ssh/ssh_known_hosts2',
  ];
}

export function parseKnownHosts(text: string, file: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: KnownHostsLine['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, blob] = fields;
    if (!hosts || !keyType || !blob) return; // not a key line (OpenSSH skips these too)
    out.push({ file, line: i + 1, marker, hosts, keyType, key: Buffer.from(blob, 'base64') });
  });
  return out;
}

/** Every line of every file that exists (a missing file is no entries, as for ssh). */
export function readKnownHosts(files: string[]): KnownHostsLine[] {
  return files.flatMap((file) => {
    try {
      return parseKnownHosts(readFileSync(file, 'utf8'), file);
    } catch {
      return [];
    }
  });
}

/** The name known_hosts stores a host under: `host` on port 22, else `[host]:port` (sshd(8)). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function wildcard(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/**
 * Does a host field name `name`? A hashed field is HMAC-SHA1(salt, name); a plain one is a comma list
 * where any negated pattern that matches wins over the others.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcard(pattern.slice(1), name)) return false;
    } else if (wildcard(pattern, name)) matched = true;
  }
  return matched;
}

/** The type named inside a key blob (its first SSH string), e.g. ssh-ed25519. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '?';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

/** The fingerprint ssh-keygen -l and ssh print: SHA256:<base64 without padding>. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
  | { verdict: 'known'; line: KnownHostsLine }
  | { verdict: 'revoked'; line: KnownHostsLine }
  /** The host is listed with a key of this type, but another key. */
  | { verdict: 'changed'; lines: KnownHostsLine[] }
  /** No key of this type for the host; `otherTypes` are the types that are listed for it. */
  | { verdict: 'unknown'; otherTypes: string[] };

/**
 * What the known_hosts lines say about `key` for `name` (a knownHostsName): revoked wins; then an exact
 * match; then a listed key of the same type means it changed. Certificate authorities are not
 * supported (a host certificate is not a plain key), so those lines are skipped.
 */
export function checkHostKey(lines: KnownHostsLine[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = lines.filter((l) => l.marker !== 'cert-authority' && hostFieldMatches(l.hosts, name));
  const revoked = forHost.find((l) => l.marker === 'revoked' && l.key.equals(key));
  if (revoked) return { verdict: 'revoked', line: revoked };
  const plain = forHost.filter((l) => l.marker === null);
  const exact = plain.find((l) => l.key.equals(key));
  if (exact) return { verdict: 'known', line: exact };
  const type = keyTypeOf(key);
  const sameType = plain.filter((l) => l.keyType === type);
  if (sameType.length) return { verdict: 'changed', lines: sameType };
  return { verdict: 'unknown', otherTypes: [...new Set(plain.map((l) => l.keyType))] };
}

/** Host-key algorithms ssh2 speaks, by the key type known_hosts names (an RSA key also signs with SHA-2). */
const ALGORITHMS_OF_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host-key algorithms to offer first, so the server shows a key of a type known_hosts has for it (as
 * ssh(1) orders them); a server with an ed25519 and an ecdsa key must not show the one that is not
 * recorded and get "unknown".
 */
export function preferredHostKeyAlgorithms(lines: KnownHostsLine[], name: string): string[] {
  const types = lines.filter((l) => l.marker === null && hostFieldMatches(l.hosts, name)).map((l) => l.keyType);
  return [...new Set(types.flatMap((t) => ALGORITHMS_OF_TYPE[t] ?? []))];
}
