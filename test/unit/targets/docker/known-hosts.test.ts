/** known_hosts as ssh(1) reads it: plain and hashed names, patterns, ports, revoked and changed keys. */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../../../cli/targets/docker/ssh/known-hosts.js';

/** A key blob of a type: the SSH string of the type name, then random bytes standing for the key. */
function blob(type: string): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, randomBytes(32)]);
}
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  const ed = blob('ssh-ed25519');
  const ed2 = blob('ssh-ed25519');
  const ecdsa = blob('ecdsa-sha2-nistp256');

  it('names a host as ssh stores it: bare on port 22, [host]:port otherwise, lower case', () => {
    expect(knownHostsName('VPS.example.com', 22)).toBe('vps.example.com');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('matches comma lists, wildcards, negation and hashed names', () => {
    expect(hostFieldMatches('a.example,vps.example.com', 'vps.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'vps.example.com')).toBe(true);
    expect(hostFieldMatches('vps?.example.com', 'vps1.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com,!vps.example.com', 'vps.example.com')).toBe(false);
    expect(hostFieldMatches('vps.example.com', '[vps.example.com]:2222')).toBe(false);
    expect(hostFieldMatches(hashed('[10.0.0.5]:2222'), '[10.0.0.5]:2222')).toBe(true);
    expect(hostFieldMatches(hashed('[10.0.0.5]:2222'), '10.0.0.5')).toBe(false);
  });

  it('known, changed (same type, another key), unknown (no key of that type), revoked', () => {
    const lines = parseKnownHosts(
      ['# comment', '', line('vps.example.com', ed), line(hashed('[vps.example.com]:2222'), ecdsa), line('*', ed2, '@revoked')].join('\n'),
      '/home/u/.ssh/known_hosts',
    );
    expect(lines.map((l) => l.line)).toEqual([3, 4, 5]);
    expect(checkHostKey(lines, 'vps.example.com', ed)).toMatchObject({ verdict: 'known', line: { line: 3 } });
    expect(checkHostKey(lines, 'vps.example.com', blob('ssh-ed25519'))).toMatchObject({ verdict: 'changed', lines: [{ line: 3 }] });
    expect(checkHostKey(lines, 'vps.example.com', ecdsa)).toEqual({ verdict: 'unknown', otherTypes: ['ssh-ed25519'] });
    expect(checkHostKey(lines, '[vps.example.com]:2222', ecdsa)).toMatchObject({ verdict: 'known', line: { line: 4 } });
    expect(checkHostKey(lines, 'other.example.com', ed)).toEqual({ verdict: 'unknown', otherTypes: [] });
    expect(checkHostKey(lines, 'vps.example.com', ed2)).toMatchObject({ verdict: 'revoked', line: { line: 5 } });
  });

  it('offers first the host-key algorithms of the types known for the host (RSA also under its SHA-2 names)', () => {
    const rsa = blob('ssh-rsa');
    const lines = parseKnownHosts([line('vps', ecdsa), line('vps', rsa), line('other', ed)].join('\n'), 'f');
    expect(preferredHostKeyAlgorithms(lines, 'vps')).toEqual(['ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(lines, 'nowhere')).toEqual([]);
  });

  it('prints the fingerprint as ssh-keygen -l does (SHA256, base64 without padding)', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});
