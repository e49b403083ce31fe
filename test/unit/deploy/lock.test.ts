/**
 * The deploy lock against an in-memory engine (container names unique, 409 on a taken name, 404 on a
 * missing container): who wins, what counts as stale, and that a take-over or a release never removes a
 * marker that belongs to someone else. (The real engine is exercised in engine-failures.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_LABELS, lockName, readLock, releaseLock } from '../../../cli/targets/docker/lock.js';
import { LockedError } from '../../../cli/errors.js';

interface Marker {
  id: string;
  name: string;
  labels: Record<string, string>;
  binds?: string[];
  /** Archive uploads into it: [path, bytes]. */
  uploads: Array<[string, number]>;
}

class FakeEngine {
  markers: Marker[] = [];
  private n = 0;
  /** Runs before a remove is carried out (to interleave "another process"). */
  beforeRemove: ((idOrName: string) => void) | undefined;

  private find(idOrName: string): Marker | undefined {
    return this.markers.find((m) => m.id === idOrName || m.name === idOrName);
  }

  add(name: string, labels: Record<string, string>, binds?: string[]): string {
    const id = `marker-${++this.n}`;
    this.markers.push({ id, name, labels, uploads: [], ...(binds ? { binds } : {}) });
    return id;
  }

  readonly docker = {
    getImage: () => ({ inspect: async () => ({ Id: 'sha256:lock' }) }),
    createContainer: async (opts: { name: string; Labels: Record<string, string>; HostConfig?: { Binds: string[] } }) => {
      await Promise.resolve();
      if (this.find(opts.name)) throw Object.assign(new Error('Conflict. The container name is already in use'), { statusCode: 409 });
      const id = this.add(opts.name, opts.Labels, opts.HostConfig?.Binds);
      return {
        id,
        putArchive: async (body: Buffer, o: { path: string }) => {
          const m = this.find(id);
          if (!m) throw Object.assign(new Error('no such container'), { statusCode: 404 });
          m.uploads.push([o.path, body.length]);
        },
      };
    },
    getContainer: (idOrName: string) => ({
      inspect: async () => {
        const m = this.find(idOrName);
        if (!m) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return { Id: m.id, Config: { Labels: m.labels } };
      },
      remove: async () => {
        this.beforeRemove?.(idOrName);
        const m = this.find(idOrName);
        if (!m) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        this.markers = this.markers.filter((x) => x !== m);
      },
    }),
  } as unknown as Docker;
}

const FLEET = 'conf';

function labels(host: string, pid: number, holder = `bob@${host}`): Record<string, string> {
  return {
    [LOCK_LABELS.fleet]: FLEET,
    [LOCK_LABELS.holder]: holder,
    [LOCK_LABELS.host]: host,
    [LOCK_LABELS.pid]: String(pid),
    [LOCK_LABELS.since]: '2020-01-02T03:04:05.000Z',
    [LOCK_LABELS.message]: 'up',
  };
}

/** A pid no process has now (a child that ran and was reaped). */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('acquireLock', () => {
  it('with an audit directory the marker binds it, and audit() writes the entry into it through the marker', async () => {
    const engine = new FakeEngine();
    const lock = await acquireLock(engine.docker, FLEET, 'up', undefined, '/srv/demo/.demo-fleet/audit');
    expect(engine.markers[0]!.binds).toEqual(['/srv/demo/.demo-fleet/audit:/audit']);
    await lock.audit!({ time: '2026-12-07T22:00:00.000Z' });
    expect(engine.markers[0]!.uploads.map(([p]) => p)).toEqual(['/audit']);
    await lock.release();
    expect(engine.markers).toEqual([]);
    // without one, there is nothing to write through
    const plain = await acquireLock(engine.docker, FLEET, 'restart');
    expect(engine.markers[0]!.binds).toBeUndefined();
    await expect(plain.audit!({ time: '2026-12-07T22:00:00.000Z' })).rejects.toThrow(/does not carry the audit log/);
  });

  it('takes a free lock with who/where/pid/since labels, and release removes it', async () => {
    const engine = new FakeEngine();
    const lock = await acquireLock(engine.docker, FLEET, 'up');
    expect(lock.tookOver).toBeUndefined();
    const held = await readLock(engine.docker, FLEET);
    expect(held).toMatchObject({ host: os.hostname(), pid: process.pid, message: 'up' });
    expect(held!.holder).toBe(`${os.userInfo().username}@${os.hostname()}`);
    expect(Date.parse(held!.since)).not.toBeNaN();
    await lock.release();
    expect(engine.markers).toEqual([]);
  });

  it('refuses a lock of a live process on this host, naming holder, pid and since', async () => {
    const engine = new FakeEngine();
    engine.add(lockName(FLEET), labels(os.hostname(), process.pid));
    const err = await acquireLock(engine.docker, FLEET, 'up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toBe(
      `fleet "conf" is locked by bob@${os.hostname()} (pid ${process.pid}) since 2020-01-02T03:04:05.000Z: up; wait for that deploy, or run with --force-unlock if it died`,
    );
    expect(engine.markers).toHaveLength(1);
  });

  it("the loser of a race names the holder even when the winner's marker is not inspectable yet", async () => {
    // The engine reserves the name at once, but the winner's marker answers inspect only a little later.
    const engine = new FakeEngine();
    engine.add(lockName(FLEET), labels('other-host', 4242, 'alice@other-host'));
    const inspectable = Date.now() + 200;
    const docker = engine.docker as unknown as { getContainer: (n: string) => { inspect: () => Promise<unknown> } };
    const real = docker.getContainer.bind(docker);
    docker.getContainer = (n: string) => {
      const c = real(n);
      return {
        ...c,
        inspect: async () => {
          if (Date.now() < inspectable) throw Object.assign(new Error('no such container'), { statusCode: 404 });
          return c.inspect();
        },
      };
    };
    const err = await acquireLock(engine.docker, FLEET, 'up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toMatch(/^fleet "conf" is locked by alice@other-host \(pid 4242\) since /);
  });

  it('a lock released between our create and our look is simply taken', async () => {
    const engine = new FakeEngine();
    const id = engine.add(lockName(FLEET), labels('other-host', 4242));
    const docker = engine.docker as unknown as { createContainer: (o: never) => Promise<{ id: string }> };
    const create = docker.createContainer.bind(docker);
    let first = true;
    docker.createContainer = async (o: never) => {
      try {
        return await create(o);
      } finally {
        if (first) engine.markers = engine.markers.filter((m) => m.id !== id); // the holder releases now
        first = false;
      }
    };
    const lock = await acquireLock(engine.docker, FLEET, 'up');
    expect(lock.tookOver).toBeUndefined();
    expect(engine.markers).toHaveLength(1);
    await lock.release();
  });

  it('refuses a lock taken on another host even when that pid does not exist here', async () => {
    const engine = new FakeEngine();
    engine.add(lockName(FLEET), labels('elsewhere', deadPid()));
    await expect(acquireLock(engine.docker, FLEET, 'up')).rejects.toBeInstanceOf(LockedError);
    expect(engine.markers[0]!.labels[LOCK_LABELS.host]).toBe('elsewhere');
  });

  it('takes over a stale lock of a dead process on this host and says whose it was', async () => {
    const engine = new FakeEngine();
    const pid = deadPid();
    const staleId = engine.add(lockName(FLEET), labels(os.hostname(), pid));
    const lock = await acquireLock(engine.docker, FLEET, 'up');
    expect(lock.tookOver).toMatchObject({ id: staleId, pid, host: os.hostname() });
    expect(engine.markers).toHaveLength(1);
    expect(engine.markers[0]!.labels[LOCK_LABELS.pid]).toBe(String(process.pid));
  });

  it('a take-over never removes a fresh marker of another process that took over first (race)', async () => {
    const engine = new FakeEngine();
    engine.add(lockName(FLEET), labels(os.hostname(), deadPid()));
    let otherId = '';
    // Between our "it is stale" and our remove, another deploy removes the stale marker and creates its
    // own under the same name (a live process on this host: this test process's pid).
    engine.beforeRemove = () => {
      engine.beforeRemove = undefined;
      engine.markers = [];
      otherId = engine.add(lockName(FLEET), labels(os.hostname(), process.pid, 'carol@here'));
    };
    await expect(acquireLock(engine.docker, FLEET, 'up')).rejects.toThrow(/locked by carol@here/);
    expect(engine.markers.map((m) => m.id)).toEqual([otherId]);
  });

  it("release after someone's --force-unlock leaves the new holder's lock alone", async () => {
    const engine = new FakeEngine();
    const lock = await acquireLock(engine.docker, FLEET, 'up');
    await releaseLock(engine.docker, FLEET); // --force-unlock by another operator…
    const other = await acquireLock(engine.docker, FLEET, 'up'); // …who now deploys
    await lock.release(); // the first deploy finishes
    expect(engine.markers).toHaveLength(1);
    await other.release();
    expect(engine.markers).toEqual([]);
  });
});
