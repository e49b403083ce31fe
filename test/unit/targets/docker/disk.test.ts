import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkDisk } from '../../../../cli/targets/docker/doctor/disk.js';

const GB = 1024 ** 3;
const local = { host: 'unix:///var/run/docker.sock', source: 'default' } as const;
const remote = { host: 'ssh://deploy@vps', source: 'DOCKER_HOST' } as const;

describe('doctor: free disk for the images', () => {
  it('a local engine: statfs of the data root /info names', async () => {
    const dir = os.tmpdir();
    const s = await statfs(dir);
    const free = s.bavail * s.bsize;
    expect(await checkDisk(local, { DockerRootDir: dir }, 1)).toMatchObject({
      check: 'disk',
      message: expect.stringMatching(new RegExp(`^${(free / GB).toFixed(1)} GB free on ${dir}`)),
    });
    expect(await checkDisk(local, { DockerRootDir: dir }, free * 2)).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('docker system prune'),
    });
  });

  it('a remote engine: what its storage driver reports in /info, else "cannot tell" (a warning, not a failure)', async () => {
    const info = (available: string) => ({
      DockerRootDir: '/var/lib/docker',
      DriverStatus: [['Data Space Available', available]] as Array<[string, string]>,
    });
    expect(await checkDisk(remote, info('500 MB'), GB)).toMatchObject({
      status: 'fail',
      message: '0.5 GB free on the storage driver, the images need about 1.0 GB',
    });
    expect(await checkDisk(remote, info('100 GB'), GB)).toMatchObject({ status: 'ok' });
    expect(await checkDisk(remote, { DockerRootDir: '/var/lib/docker' }, GB)).toMatchObject({
      status: 'warn',
      message: 'cannot tell the free space of the engine at ssh://deploy@vps (its data root is not on this machine)',
    });
  });
});
