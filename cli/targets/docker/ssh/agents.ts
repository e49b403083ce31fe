/**
 * The http.Agents docker-modem sends its requests through for an ssh:// engine: every socket they
 * create is a channel on the command's one SSH connection (connection.ts).
 *
 * - `requests` (inspect, list, create, start, ...): HTTP keep-alive, so a request reuses a channel whose
 *   dial-stdio is already running instead of paying a channel open plus a remote process start; at
 *   most REQUEST_CHANNELS at once (more requests queue for a free one), which leaves room under sshd's
 *   default MaxSessions of 10 for streams.
 * - `streams` (logs -f, build, pull, exec attach — anything docker-modem dials with isStream or hijack):
 *   a channel each, closed when the stream ends; a hijacked (upgraded) socket leaves the agent anyway.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { SshConnection } from './connection.js';

const REQUEST_CHANNELS = 6;

class ChannelAgent extends http.Agent {
  private readonly connection: SshConnection;

  constructor(connection: SshConnection, options: http.AgentOptions) {
    super(options);
    this.connection = connection;
  }

  /**
   * docker-modem formats every request's options, this agent included, with util.inspect (showHidden,
   * no depth limit) whether or not its debug output is on (modem.js l.284). Through the agent that
   * reached the sockets, their SSH channels and the whole ssh2 connection: 4 s of CPU for `status` of
   * 20 events. A name is all it needs.
   */
  [inspect.custom](): string {
    return `ChannelAgent(${this.connection.endpoint.url})`;
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.connection.dial().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

export interface SshAgents {
  requests: http.Agent;
  streams: http.Agent;
}

export function sshAgents(connection: SshConnection): SshAgents {
  return {
    requests: new ChannelAgent(connection, { keepAlive: true, maxSockets: REQUEST_CHANNELS }),
    streams: new ChannelAgent(connection, { keepAlive: false }),
  };
}
