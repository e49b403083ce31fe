import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sshAgents } from '../../cli/targets/docker/ssh/agents.js';
import { SshConnection, sshEndpoint } from '../../cli/targets/docker/ssh/connection.js';

describe('ssh agents', () => {
  // docker-modem formats every request's options, the agent included, this way whether or not its
  // debug output is on (modem.js l.284): through a plain http.Agent that walked every SSH channel and
  // the ssh2 connection, seconds of CPU for a command of a few hundred requests
  it('format as one short line however much they hold', () => {
    const agents = sshAgents(new SshConnection(sshEndpoint('ssh://me@vps.example:2222', {}, '/nonexistent')));
    for (const agent of [agents.requests, agents.streams]) {
      expect(inspect({ agent }, { showHidden: true, depth: null })).toBe('{ agent: ChannelAgent(ssh://me@vps.example:2222) }');
    }
  });
});
