import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextDirName, dockerHostProblem, modemOptions, resolveDockerEndpoint } from '../../../../cli/targets/docker/docker-context.js';
import { UsageError } from '../../../../cli/errors.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'demo-fleet-ctx-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A context as `docker context create <name> --docker host=<host>` writes it. */
function writeContext(configDir: string, name: string, host: string): void {
  const dir = path.join(configDir, 'contexts', 'meta', contextDirName(name));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: { Description: '' }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
}

const configDir = path.join(home, '.docker');
writeContext(configDir, 'vps', 'ssh://deploy@vps.example.com:2222');
writeContext(configDir, 'lab', 'tcp://10.0.0.5:2375');
writeContext(configDir, 'bad', 'htp://x');
writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'lab' }));

describe('resolveDockerEndpoint: the docker CLI precedence (docker/cli cli/command/cli.go resolveContextName)', () => {
  it('the meta dir is the sha256 of the name (what docker context create writes)', () => {
    expect(contextDirName('default')).toBe('37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

  it('DOCKER_HOST wins over DOCKER_CONTEXT and currentContext', () => {
    const r = resolveDockerEndpoint({ DOCKER_HOST: 'unix:///run/x.sock', DOCKER_CONTEXT: 'vps' }, home);
    expect(r).toEqual({ host: 'unix:///run/x.sock', source: 'DOCKER_HOST' });
  });

  it('DOCKER_CONTEXT wins over currentContext', () => {
    const r = resolveDockerEndpoint({ DOCKER_CONTEXT: 'vps' }, home);
    expect(r).toMatchObject({
      host: 'ssh://deploy@vps.example.com:2222',
      source: 'context',
      context: 'vps',
      contextFrom: 'DOCKER_CONTEXT',
    });
  });

  it('currentContext of config.json, else the default socket; "default" is the default socket', () => {
    expect(resolveDockerEndpoint({}, home)).toMatchObject({
      host: 'tcp://10.0.0.5:2375',
      context: 'lab',
      contextFrom: 'config.json currentContext',
    });
    expect(resolveDockerEndpoint({ DOCKER_CONTEXT: 'default' }, home)).toEqual({ host: 'unix:///var/run/docker.sock', source: 'default' });
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: path.join(home, 'nowhere') }, home)).toEqual({
      host: 'unix:///var/run/docker.sock',
      source: 'default',
    });
  });

  it('DOCKER_CONFIG moves the config dir', () => {
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'vps' }, '/nonexistent')).toMatchObject({ context: 'vps' });
  });

  it('an unknown context, or one with a bad host: one line naming it and the fix', () => {
    expect(() => resolveDockerEndpoint({ DOCKER_CONTEXT: 'nope' }, home)).toThrow(UsageError);
    expect(() => resolveDockerEndpoint({ DOCKER_CONTEXT: 'nope' }, home)).toThrow(
      /^DOCKER_CONTEXT=nope: no such Docker context .*`docker context ls`/,
    );
    expect(() => resolveDockerEndpoint({ DOCKER_CONTEXT: 'bad' }, home)).toThrow(/Endpoints\.docker\.Host=htp:\/\/x: unknown scheme "htp"/);
  });

  it('DOCKER_HOST schemes: unix, tcp, ssh, npipe and a bare host:port pass; others are refused in one line', () => {
    for (const ok of ['unix:///var/run/docker.sock', 'tcp://1.2.3.4:2375', 'ssh://u@h', 'npipe:////./pipe/docker_engine', 'localhost:2375'])
      expect(dockerHostProblem(ok), ok).toBeUndefined();
    expect(dockerHostProblem('htp://x')).toBe('unknown scheme "htp"');
    expect(dockerHostProblem('http://h:2375')).toMatch(/write tcp:\/\/h:2375/);
    let err: unknown;
    try {
      resolveDockerEndpoint({ DOCKER_HOST: 'htp://x' }, home);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^DOCKER_HOST=htp:\/\/x: unknown scheme "htp": use unix:\/\/<socket>, tcp:\/\//);
    expect((err as Error).message).not.toContain('\n');
  });

  it('modem options for a context endpoint, as docker-modem reads DOCKER_HOST (ssh:// is dialled by ssh/connection.ts)', () => {
    expect(modemOptions({ host: 'unix:///run/d.sock', source: 'context' })).toEqual({ socketPath: '/run/d.sock' });
    expect(modemOptions({ host: 'tcp://10.0.0.5:2375', source: 'context' })).toMatchObject({
      host: '10.0.0.5',
      port: '2375',
      protocol: 'http',
    });
  });
});
