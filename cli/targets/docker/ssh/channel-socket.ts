/**
 * An SSH channel dressed as the socket node:http expects. An http.Agent hands its sockets ref()/unref(),
 * setKeepAlive(), setNoDelay() and setTimeout() calls and checks `destroyed`; an ssh2 channel has none
 * of these, and its destroy() only sends a close. This Duplex relays bytes to and from the channel,
 * destroys properly, and reports ref()/unref() to its connection, which keeps the process alive only
 * while some channel is in use (an idle keep-alive channel must not hold a finished command open).
 */
import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';

/** The first bytes of the remote command's stderr kept for an error message. */
const STDERR_KEPT = 2048;

export class ChannelSocket extends Duplex {
  /** Whether this socket holds the process open (node:http unrefs a socket it keeps idle). */
  refd = true;
  timeout = 0;
  private timer: NodeJS.Timeout | undefined;
  private stderrText = '';
  private readonly channel: ClientChannel;
  private readonly onRefChange: () => void;

  constructor(channel: ClientChannel, onRefChange: () => void) {
    super({ allowHalfOpen: false });
    this.channel = channel;
    this.onRefChange = onRefChange;
    channel.on('data', (chunk: Buffer) => {
      this.touch();
      if (!this.push(chunk)) channel.pause();
    });
    channel.on('end', () => this.push(null));
    // Let a reader take what is buffered before the socket goes: destroy() would drop it.
    channel.on('close', () => (this.readableEnded ? this.destroy() : this.once('end', () => this.destroy())));
    channel.on('error', (err: Error) => this.destroy(err));
    // a forwarded socket (direct-streamlocal) has no stderr; a dial-stdio session does
    channel.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderrText.length < STDERR_KEPT) this.stderrText += chunk.toString('utf8').slice(0, STDERR_KEPT - this.stderrText.length);
    });
  }

  /** What the remote command said on stderr (e.g. "docker: command not found"). */
  get stderr(): string {
    return this.stderrText.trim();
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.touch();
    this.channel.write(chunk, encoding, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.channel.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.channel.destroy(); // ssh2: EOF + CHANNEL_CLOSE; the server frees the session when it answers
    if (this.refd) {
      this.refd = false;
      this.onRefChange();
    }
    done(err);
  }

  ref(): this {
    if (!this.refd && !this.destroyed) {
      this.refd = true;
      this.onRefChange();
    }
    return this;
  }

  unref(): this {
    if (this.refd) {
      this.refd = false;
      this.onRefChange();
    }
    return this;
  }

  /** TCP keep-alive is the SSH connection's (set once on its socket), not a channel's. */
  setKeepAlive(): this {
    return this;
  }

  /** Nagle is off on the SSH connection's socket; a channel has no setting of its own. */
  setNoDelay(): this {
    return this;
  }

  /** As net.Socket: emit 'timeout' after `ms` without reads or writes (0 turns it off). */
  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms;
    if (callback) this.once('timeout', callback);
    this.touch();
    return this;
  }

  private touch(): void {
    clearTimeout(this.timer);
    if (this.timeout > 0 && !this.destroyed) {
      this.timer = setTimeout(() => this.emit('timeout'), this.timeout);
      this.timer.unref();
    }
  }
}
