/**
 * A registry failure is worded by what it is, with the fix that works for it. The messages are the
 * engine's own (dockerd 20.10.24 through the distribution endpoint doctor asks, and `docker pull`),
 * captured on this machine: `docker pull nonexistent.invalid/x`, a port nothing listens on, and the test
 * registry (test/helpers/registry.ts) without, with wrong and with right credentials. The others
 * (server misbehaving, Client.Timeout, i/o timeout, Docker Hub's "pull access denied") are the texts of
 * Go's resolver and net/http and of Docker Hub as users report them; not reproducible offline.
 */
import type Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { RegistryError } from '../../../../cli/errors.js';
import { pullImage } from '../../../../cli/targets/docker/image/registry.js';
import {
  baseImageFix,
  publishedImageFix,
  registryFailureKind,
  registryFailureReason,
} from '../../../../cli/targets/docker/image/registry-failure.js';

const ENGINE_TEXTS = {
  dns: [
    'Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 10.255.255.53:53: no such host',
    'Get "https://nonexistent.invalid/v2/": dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host',
    'failed to configure transport: error pinging v2 registry: Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 10.255.255.53:53: no such host',
    'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving',
  ],
  unreachable: [
    'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    'Get "https://ghcr.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
    'Get "https://10.9.9.9/v2/": dial tcp 10.9.9.9:443: i/o timeout',
  ],
  auth: [
    'Head "http://127.0.0.1:44181/v2/nope/manifests/1": no basic auth credentials',
    'unauthorized: authentication required',
    'denied: requested access to the resource is denied',
    "pull access denied for acme/private, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  ],
  'not-found': ['manifest unknown: manifest unknown', 'manifest for ghcr.io/acme/app:nope not found: manifest unknown: manifest unknown'],
} as const;

describe('registryFailureKind', () => {
  for (const [kind, texts] of Object.entries(ENGINE_TEXTS)) {
    for (const text of texts) {
      it(`${kind}: ${text.slice(0, 70)}`, () => {
        expect(registryFailureKind(text)).toBe(kind);
      });
    }
  }

  it('anything else is "other"', () => {
    expect(registryFailureKind('x509: certificate signed by unknown authority')).toBe('other');
  });
});

describe('the fix named for each kind', () => {
  it('a DNS failure names DNS and a local base, never docker login', () => {
    const kind = registryFailureKind(ENGINE_TEXTS.dns[0]);
    expect(registryFailureReason(kind, 'ghcr.io')).toBe("the engine's host cannot resolve the registry ghcr.io (DNS)");
    const fix = baseImageFix(kind, 'ghcr.io');
    expect(fix).not.toMatch(/docker login/);
    expect(fix).toMatch(/DNS for ghcr\.io/);
    expect(fix).toMatch(/--base-image <ref> or baseImage in the fleet file/);
  });

  it('a refused connection names the network, never docker login', () => {
    const kind = registryFailureKind(ENGINE_TEXTS.unreachable[0]);
    expect(baseImageFix(kind, '127.0.0.1:1')).not.toMatch(/docker login/);
    expect(publishedImageFix(kind, '127.0.0.1:1')).not.toMatch(/docker login/);
  });

  it('only a refusal of credentials names docker login, with the registry', () => {
    for (const text of ENGINE_TEXTS.auth) {
      const kind = registryFailureKind(text);
      expect(baseImageFix(kind, 'ghcr.io')).toMatch(/^`docker login ghcr\.io`/);
      expect(publishedImageFix(kind, 'ghcr.io')).toMatch(/^`docker login ghcr\.io`/);
    }
    for (const kind of ['dns', 'unreachable', 'not-found', 'other'] as const) {
      expect(baseImageFix(kind, 'ghcr.io')).not.toMatch(/docker login/);
      expect(publishedImageFix(kind, 'ghcr.io')).not.toMatch(/docker login/);
    }
  });
});

describe('a failed pull (up, build) says the same', () => {
  /** The engine's answer to a pull it cannot make, as dockerode rejects it. */
  const refusing = (message: string, statusCode: number) =>
    ({
      pull: async () => {
        throw Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message} `), { statusCode, json: { message } });
      },
    }) as unknown as Docker;

  const pullError = async (docker: Docker, ref: string, role: 'base' | 'published') => {
    vi.useFakeTimers(); // the retries' waits (a 500 is retried)
    try {
      const pulled = pullImage(docker, ref, null, () => {}, role).then(
        () => null,
        (err: Error) => err,
      );
      await vi.runAllTimersAsync();
      return await pulled;
    } finally {
      vi.useRealTimers();
    }
  };

  it('a DNS failure of the base: the reason and the local-base fix, exit 7, no docker login', async () => {
    const err = await pullError(refusing(ENGINE_TEXTS.dns[0], 500), 'ghcr.io/linuxserver/baseimage-alpine:3.22', 'base');
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).exitCode).toBe(7);
    expect(err!.message).toBe(
      `pull of ghcr.io/linuxserver/baseimage-alpine:3.22 failed: the engine's host cannot resolve the registry ghcr.io (DNS) (${ENGINE_TEXTS.dns[0]}); ` +
        "fix: give the engine's host working DNS for ghcr.io (or its proxy), or build on a base image the engine has (`docker images`): --base-image <ref> or baseImage in the fleet file",
    );
  });

  it('credentials refused for a published image: docker login to its registry', async () => {
    const err = await pullError(refusing('unauthorized: authentication required', 401), 'ghcr.io/acme/demo:cleveland', 'published');
    expect(err!.message).toMatch(/failed: the registry ghcr\.io refused the credentials .*; fix: `docker login ghcr\.io`/);
  });
});
