/** demuxBuffer: the engine's multiplexed log format (8-byte header [stream,0,0,0,size BE] + payload). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxBuffer } from '../../../../cli/targets/docker/logs.js';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function sink(): { stream: PassThrough; text: () => string; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, chunks, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('demuxBuffer', () => {
  it('sends stdout frames to stdout and stderr frames to stderr, in order', () => {
    const out = sink();
    const err = sink();
    demuxBuffer(Buffer.concat([frame(1, 'one\n'), frame(2, 'oops\n'), frame(1, 'two\n'), frame(2, 'again\n')]), out.stream, err.stream);
    expect(out.text()).toBe('one\ntwo\n');
    expect(err.text()).toBe('oops\nagain\n');
  });

  it('keeps bytes exact: a UTF-8 character split across two frames joins up again', () => {
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    const out = sink();
    const err = sink();
    demuxBuffer(
      Buffer.concat([
        frame(1, Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)])),
        frame(1, Buffer.concat([euro.subarray(2), Buffer.from('b')])),
      ]),
      out.stream,
      err.stream,
    );
    expect(out.text()).toBe('a€b');
    expect(err.chunks).toHaveLength(0);
  });

  it('handles an empty frame and an empty buffer', () => {
    const out = sink();
    const err = sink();
    demuxBuffer(Buffer.alloc(0), out.stream, err.stream);
    demuxBuffer(Buffer.concat([frame(1, ''), frame(1, 'x')]), out.stream, err.stream);
    expect(out.text()).toBe('x');
  });

  it('payloads may contain header-like bytes (sizes, not scanning, delimit frames)', () => {
    const tricky = Buffer.from([2, 0, 0, 0, 0, 0, 0, 1, 0x41]);
    const out = sink();
    const err = sink();
    demuxBuffer(Buffer.concat([frame(1, tricky), frame(2, 'e')]), out.stream, err.stream);
    expect(Buffer.concat(out.chunks)).toEqual(tricky);
    expect(err.text()).toBe('e');
  });

  it('stops at a truncated trailing header, writing what came before', () => {
    const out = sink();
    const err = sink();
    demuxBuffer(Buffer.concat([frame(1, 'whole\n'), Buffer.from([1, 0, 0])]), out.stream, err.stream);
    expect(out.text()).toBe('whole\n');
  });

  it('a frame announcing more bytes than present writes what is there (a log cut short)', () => {
    const full = frame(2, 'abcdef');
    const out = sink();
    const err = sink();
    demuxBuffer(full.subarray(0, full.length - 2), out.stream, err.stream);
    expect(err.text()).toBe('abcd');
  });
});
