import { describe, expect, it } from 'vitest';
import { decodeHeaderText, httpsUrl, isLoopback, presentIdentityHeaders, readIdentity } from '../../../app/identity.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.255.255.254', '127.0.0.53', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.9.9.9'])(
    'trusts %s',
    (addr) => expect(isLoopback(addr)).toBe(true),
  );
  it.each([
    undefined,
    '',
    '10.213.0.2',
    '128.0.0.1',
    '127.0.0',
    '127.0.0.1.5',
    '127.0.0.256',
    '::ffff:10.0.0.1',
    '::2',
    'fe80::1',
    'localhost',
    '0.0.0.0',
  ])('does not trust %s', (addr) => expect(isLoopback(addr)).toBe(false));
});

describe('decodeHeaderText', () => {
  it('decodes RFC 2047 Q-encoding as sent by tailscale serve', () => {
    expect(decodeHeaderText('=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=')).toBe('Zoë Ñúñez');
  });
  it('decodes B-encoding and mixed words', () => {
    expect(decodeHeaderText('=?utf-8?b?w7w=?=')).toBe('ü');
    expect(decodeHeaderText('Dr =?utf-8?q?J=C3=BCrgen?=')).toBe('Dr Jürgen');
  });
  it('passes plain ASCII and headscale logins through, trimmed', () => {
    expect(decodeHeaderText(' alice ')).toBe('alice');
    expect(decodeHeaderText('zoe@example.com')).toBe('zoe@example.com');
  });
  it('leaves malformed encoded words readable', () => {
    expect(decodeHeaderText('=?bogus?x?zz?=')).toBe('=?bogus?x?zz?=');
  });
});

describe('httpsUrl', () => {
  it('accepts https URLs', () => expect(httpsUrl('https://a.example/p.png')).toBe('https://a.example/p.png'));
  it.each(['', 'http://a.example/p.png', 'javascript:alert(1)', 'data:image/png;base64,AA', '//a.example/p.png', 'nope'])(
    'rejects %j',
    (v) => expect(httpsUrl(v)).toBeNull(),
  );
});

describe('readIdentity', () => {
  const zoe = { 'tailscale-user-login': 'zoe@example.com', 'tailscale-user-name': 'Zoe' };

  it('identifies a loopback request with identity headers', () => {
    expect(readIdentity(zoe, '127.0.0.1')).toEqual({
      identified: true,
      login: 'zoe@example.com',
      name: 'Zoe',
      profilePic: null,
      funnel: false,
      trusted: true,
    });
  });

  it('ignores identity headers from another peer', () => {
    expect(readIdentity(zoe, '10.213.0.2')).toEqual({
      identified: false,
      login: '',
      name: '',
      profilePic: null,
      funnel: false,
      trusted: false,
    });
  });

  it('makes a funnel request a stranger', () => {
    expect(readIdentity({ ...zoe, 'tailscale-funnel-request': '?1' }, '::1')).toMatchObject({
      identified: false,
      login: '',
      funnel: true,
      trusted: true,
    });
  });

  it('uses the first value of a repeated header', () => {
    expect(readIdentity({ 'tailscale-user-login': ['a@x', 'b@y'] }, '127.0.0.1').login).toBe('a@x');
  });
});

describe('presentIdentityHeaders', () => {
  it('lists non-empty identity headers only', () => {
    expect(
      presentIdentityHeaders({ 'tailscale-user-login': 'x', 'tailscale-user-name': ' ', 'tailscale-user-profile-pic': 'https://p' }),
    ).toEqual(['tailscale-user-login', 'tailscale-user-profile-pic']);
    expect(presentIdentityHeaders({ 'tailscale-funnel-request': '?1' })).toEqual([]);
  });
});
