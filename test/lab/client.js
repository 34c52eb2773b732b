// A lab client: sends one TCP connection or UDP datagram and prints the first reply line.
// Usage: node client.js HOST PORT tcp|udp [TIMEOUT_MS]; exits 1 (message on stderr) on error or timeout.
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

const [host, portText, proto = 'tcp', timeoutText = '3000'] = process.argv.slice(2);
const port = Number(portText);
const timeoutMs = Number(timeoutText);

if (!host || !Number.isInteger(port)) {
  process.stderr.write('usage: client.js HOST PORT tcp|udp [TIMEOUT_MS]\n');
  process.exit(2);
}

function done(line) {
  process.stdout.write(`${line}\n`);
  process.exit(0);
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

setTimeout(() => fail(`timed out after ${timeoutMs} ms (${proto} ${host}:${port})`), timeoutMs);

if (proto === 'tcp') {
  let data = '';
  const socket = net.connect({ host, port });
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    data += chunk;
    if (data.includes('\n')) done(data.split('\n')[0]);
  });
  socket.on('end', () => (data ? done(data.split('\n')[0]) : fail('connection closed without a reply')));
  socket.on('error', (error) => fail(error.message));
} else if (proto === 'udp') {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (msg) => done(msg.toString('utf8').split('\n')[0]));
  socket.on('error', (error) => fail(error.message));
  socket.send('ping\n', port, host);
} else {
  fail(`unknown protocol ${proto}`);
}
