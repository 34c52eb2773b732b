// A lab server: answers every TCP connection and UDP datagram with `nxl:<name>:<port>\n`; `--sleep` only waits.
// Usage: node server.js --nxl-lab --name NAME [--tcp 80,30005] [--udp 53] [--sleep] [--ready FILE]
// `--nxl-lab` is a marker the lab's `down` looks for in /proc/PID/cmdline; it is otherwise ignored.
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');

function option(flag) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function ports(flag) {
  const value = option(flag);
  return value ? value.split(',').filter(Boolean).map(Number) : [];
}

const name = option('--name') || 'nxl-unnamed';
const readyFile = option('--ready');
const tcpPorts = ports('--tcp');
const udpPorts = ports('--udp');

function fail(error) {
  if (readyFile) {
    try {
      fs.writeFileSync(`${readyFile}.failed`, `${name}: ${error && error.message ? error.message : error}\n`);
    } catch {
      /* nothing to report to */
    }
  }
  process.exit(1);
}

// `::` with dual-stack sockets answers IPv4 (as ::ffff:a.b.c.d) and IPv6 alike.
function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end(`nxl:${name}:${port}\n`);
    });
    server.once('error', reject);
    server.listen({ port, host: '::', ipv6Only: false }, () => resolve(server));
  });
}

function listenUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    socket.on('message', (_msg, from) => {
      socket.send(`nxl:${name}:${port}\n`, from.port, from.address);
    });
    socket.once('error', reject);
    socket.bind({ port, address: '::' }, () => resolve(socket));
  });
}

async function main() {
  await Promise.all([...tcpPorts.map(listenTcp), ...udpPorts.map(listenUdp)]);
  // A sleeper (or any server) keeps running until it is killed.
  setInterval(() => undefined, 1 << 30);
  if (readyFile) fs.writeFileSync(readyFile, `${process.pid}\n`);
}

main().catch(fail);
