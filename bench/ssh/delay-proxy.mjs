#!/usr/bin/env node
// A TCP proxy that holds every chunk for --delay ms in each direction: a slow link without netem (this
// kernel has none). Equal delays keep the order (Node fires timers of one duration in the order they
// were set). Prints the port it listens on, then appends one line per accepted connection to --log, so
// the bench can count connections (each one an SSH login for our clients).
//
//   node delay-proxy.mjs --to HOST:PORT [--listen 127.0.0.1:0] [--delay 25] [--log FILE]
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    listen: { type: 'string', default: '127.0.0.1:0' },
    delay: { type: 'string', default: '25' },
    log: { type: 'string' },
  },
});
if (!values.to) throw new Error('--to HOST:PORT is required');
const [toHost, toPort] = values.to.split(':');
const [host, port] = values.listen.split(':');
const delay = Number(values.delay);

/** Relay `from` to `to`, each chunk and the end `delay` ms late. */
function relay(from, to) {
  from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delay));
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), delay));
  from.on('error', () => setTimeout(() => to.destroy(), delay));
  from.on('close', () => setTimeout(() => to.destroy(), delay + 1));
}

let seq = 0;
const server = net.createServer((client) => {
  const n = ++seq;
  if (values.log) appendFileSync(values.log, `connection ${n} ${Date.now()}\n`);
  const upstream = net.connect(Number(toPort), toHost);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  relay(client, upstream);
  relay(upstream, client);
});
server.listen(Number(port), host, () => process.stdout.write(`${server.address().port}\n`));
