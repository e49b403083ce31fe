import { describe, expect, it } from 'vitest';
import { commaList, ConfigError, readConfig } from '../../../app/config.js';

describe('readConfig', () => {
  it('has defaults: 127.0.0.1:5000, info logs, nothing optional', () => {
    expect(readConfig({})).toEqual({ host: '127.0.0.1', port: 5000, options: { logger: { level: 'info' } } });
  });

  it('reads every variable', () => {
    expect(
      readConfig({
        HOST: '0.0.0.0',
        PORT: '8080',
        DEMO_INVITE_LINK: 'https://login.tailscale.com/admin/invite/x',
        TAILSCALE_URL: 'https://demo.example.ts.net',
        ALLOWED_DOMAINS: ' example.com, ,other.org,',
        ALLOWED_USERS: 'alice , bob@example.com',
        LOG_LEVEL: 'warn',
        STATIC_DIR: '/srv/static',
      }),
    ).toEqual({
      host: '0.0.0.0',
      port: 8080,
      options: {
        logger: { level: 'warn' },
        inviteLink: 'https://login.tailscale.com/admin/invite/x',
        tailscaleUrl: 'https://demo.example.ts.net',
        allowedDomains: ['example.com', 'other.org'],
        allowedUsers: ['alice', 'bob@example.com'],
        staticDir: '/srv/static',
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(readConfig({ HOST: '', PORT: '', DEMO_INVITE_LINK: '', TAILSCALE_URL: ' ', ALLOWED_DOMAINS: ',' })).toEqual(readConfig({}));
  });

  it('Funnel is on when TAILSCALE_FUNNEL is defined at all, as the docker-mod reads it (even "false" or empty)', () => {
    for (const value of ['on', 'false', '']) expect(readConfig({ TAILSCALE_FUNNEL: value }).options.funnel).toBe(true);
    expect(readConfig({}).options.funnel).toBeUndefined();
  });

  it.each([['abc'], ['-1'], ['70000'], ['80.5']])('rejects PORT=%s', (port) => {
    expect(() => readConfig({ PORT: port })).toThrow(ConfigError);
  });

  it.each([['DEMO_INVITE_LINK'], ['TAILSCALE_URL']])('rejects a non-http(s) %s', (name) => {
    expect(() => readConfig({ [name]: 'javascript:alert(1)' })).toThrow(/must be an http\(s\) URL/);
    expect(() => readConfig({ [name]: 'not a url' })).toThrow(ConfigError);
  });

  it('commaList trims and drops empties', () => {
    expect(commaList(' a,,b , ')).toEqual(['a', 'b']);
    expect(commaList(undefined)).toEqual([]);
  });
});
