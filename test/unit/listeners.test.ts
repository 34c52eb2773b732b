// The one `ss` parser on the recorded fixtures (exact records), older and odd line forms, diagnostics, and which
// listener takes a packet.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findListener, parseSs, ssListenersArgv, type Listener } from '../../src/core/listeners';
import { FIXTURES } from './fuzz-config';

const fixture = (name: string): string => readFileSync(join(FIXTURES, 'ss', name), 'utf8');
const l = (
  protocol: Listener['protocol'],
  address: string,
  port: number,
  device: string | null,
  ...holders: [string, number][]
): Listener => ({ protocol, address, device, port, processes: holders.map(([command, pid]) => ({ command, pid })) });

/** test/fixtures/ss/server.txt, read by hand from the recording. */
const SERVER: Listener[] = [
  l('udp', '127.0.0.53', 53, 'lo', ['resolved', 1861]),
  l('udp', '0.0.0.0', 67, 'lo', ['dhcpd', 1865]),
  l('udp', '::', 123, null, ['chronyd', 1868]),
  l('udp', 'fe80::5', 547, 'nxss-a0', ['dhcp6', 1872]),
  l('udp', '2001:db8:5::2', 4789, null, ['python3', 1873]),
  l('udp', '*', 5353, null, ['avahi', 1867]),
  l('tcp', '0.0.0.0', 65535, null, ['python3', 1858]),
  l('tcp', '127.0.0.53', 53, 'lo', ['resolved', 1860]),
  l('tcp', '127.0.0.1', 5432, null, ['postgres', 1856]),
  l('tcp', '198.51.100.2', 443, null, ['python3', 1850]),
  l('tcp', '0.0.0.0', 80, null, ['python3', 1843]),
  l('tcp', '::ffff:198.51.100.2', 8443, null, ['python3', 1852]),
  l('tcp', '*', 9100, 'lo', ['exporter', 1866]),
  l('tcp', '*', 8080, null, ['nx "q" srv', 1845]),
  l('tcp', '2001:db8:5::2', 443, null, ['python3', 1851]),
  l('tcp', '::1', 6379, null, ['redis-server', 1857]),
  l('tcp', '::', 80, null, ['python3', 1844]),
];

/** test/fixtures/ss/proxy.txt: docker-proxy stand-ins and one socket held by two processes. */
const PROXY: Listener[] = [
  l('udp', '0.0.0.0', 5300, null, ['docker-proxy', 1967]),
  l('tcp', '0.0.0.0', 18080, null, ['nginx', 1970], ['nginx', 1968]),
  l('tcp', '0.0.0.0', 8080, null, ['docker-proxy', 1965]),
  l('tcp', '::', 8080, null, ['docker-proxy', 1966]),
];

describe('ss: the recorded fixtures', () => {
  it('server.txt: every address form ss prints, exactly, with no diagnostic', () => {
    assert.deepEqual(parseSs(fixture('server.txt')), { listeners: SERVER, diagnostics: [] });
  });

  it('the same namespace with the header line, and with -S on a kernel without SCTP, reads the same', () => {
    assert.deepEqual(parseSs(fixture('server.header.txt')), { listeners: SERVER, diagnostics: [] });
    assert.deepEqual(parseSs(fixture('server.sctp-flag.txt')), { listeners: SERVER, diagnostics: [] });
  });

  it('proxy.txt: a socket two processes hold names both; `ss -a` adds an ESTAB connection that is no listener', () => {
    assert.deepEqual(parseSs(fixture('proxy.txt')), { listeners: PROXY, diagnostics: [] });
    assert.deepEqual(parseSs(fixture('proxy.all.txt')), { listeners: PROXY, diagnostics: [] });
  });

  it('the fixtures were recorded with the argv the callers run', () => {
    const script = readFileSync(join(FIXTURES, 'record-ss.sh'), 'utf8');
    assert.ok(script.includes(`ss_a ${ssListenersArgv().slice(1).join(' ')} >`), 'record-ss.sh runs ssListenersArgv()');
    assert.deepEqual(ssListenersArgv({ sctp: true }), [...ssListenersArgv(), '-S']);
  });
});

describe('ss: other line forms and diagnostics', () => {
  it('reads iproute2 before 4.x (`:::22`, unbracketed IPv6, `(("sshd",1234,3))`), SCTP, CRLF and blank lines', () => {
    const text = [
      'tcp LISTEN 0 128 :::22 :::* users:(("sshd",1234,3))',
      'tcp LISTEN 0 128 ::ffff:10.0.0.1:8443 :::*',
      'udp UNCONN 0 0 fe80::1%eth0:546 :::*\r',
      '',
      'sctp LISTEN 0 128 0.0.0.0:9899 0.0.0.0:* users:(("sctpd",77,4))',
    ].join('\n');
    assert.deepEqual(parseSs(text), {
      listeners: [
        l('tcp', '::', 22, null, ['sshd', 1234]),
        l('tcp', '::ffff:10.0.0.1', 8443, null),
        l('udp', 'fe80::1', 546, 'eth0'),
        l('sctp', '0.0.0.0', 9899, null, ['sctpd', 77]),
      ],
      diagnostics: [],
    });
  });

  it('interface names and commands are untrusted: brackets, quotes and users-like text stay inside their fields', () => {
    const [a, b] = parseSs(
      'tcp LISTEN 0 1 [fe80::1]%a]b:80 [::]:* users:(("x",pid=1,fd=3))\ntcp LISTEN 0 1 *:81 *:* users:(("a"),("b",pid=2,fd=3))',
    ).listeners;
    assert.deepEqual(a, l('tcp', 'fe80::1', 80, 'a]b', ['x', 1]));
    assert.deepEqual(b?.processes, [{ command: 'a"),("b', pid: 2 }]);
  });

  it('lines that cannot be read become diagnostics with their line numbers; the rest is still read', () => {
    const text = [
      'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*',
      'tcp LISTEN 0 128 0.0.0.0:http 0.0.0.0:*',
      'tcp LISTEN 0 128 localhost:22 0.0.0.0:*',
      'tcp LISTEN 0 128 0.0.0.0:70000 0.0.0.0:*',
      'tcp LISTEN 0 128 [::1:22 [::]:*',
      'tcp LISTEN 0',
      'u_str LISTEN 0 4096 /run/x.sock 1 * 0',
      'tcp LISTEN 0 128 01.2.3.4:22 0.0.0.0:*',
      'tcp LISTEN 0 128 127.0.0.1:22 0.0.0.0:*',
    ].join('\n');
    const parsed = parseSs(text);
    assert.deepEqual(parsed.listeners, [l('tcp', '127.0.0.1', 22, null)]);
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.line),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.match(parsed.diagnostics[0]?.message ?? '', /no Netid column/);
    assert.match(parsed.diagnostics[2]?.message ?? '', /not an address: "localhost"/);
  });
});

describe('ss: which listener takes a packet', () => {
  it('prefers an exact address over a wildcard; [::] takes only IPv6', () => {
    const ls = parseSs(
      [
        'tcp LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=9,fd=14))',
        'tcp LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=1,fd=6))',
        'tcp LISTEN 0 511 10.0.0.1:80 0.0.0.0:* users:(("proxy",pid=2,fd=6))',
        'tcp LISTEN 0 511 [::]:8080 [::]:*',
        'udp UNCONN 0 0 *:53 *:* users:(("dns",pid=3,fd=6))',
      ].join('\n'),
    ).listeners;
    assert.equal(ls.length, 5);
    assert.equal(ls[0]?.address, '127.0.0.53');
    assert.equal(findListener(ls, 'tcp', '10.0.0.1', 80)?.processes[0]?.command, 'proxy');
    assert.equal(findListener(ls, 'tcp', '10.0.0.2', 80)?.processes[0]?.command, 'nginx');
    assert.equal(findListener(ls, 'tcp', '10.0.0.2', 8080), undefined);
    assert.ok(findListener(ls, 'tcp', 'fd00::1', 8080));
    assert.equal(findListener(ls, 'udp', '10.0.0.2', 53)?.processes[0]?.command, 'dns');
    assert.equal(findListener(ls, 'tcp', '10.0.0.2', 53), undefined);
  });

  it('on the recorded server: v6-only, dual-stack and IPv4-mapped binds take the packets the kernel gives them', () => {
    const take = (protocol: 'tcp' | 'udp', ip: string, port: number) =>
      findListener(SERVER, protocol, ip, port)?.processes[0]?.pid;
    assert.equal(take('tcp', '198.51.100.2', 80), 1843); // 0.0.0.0:80
    assert.equal(take('tcp', '2001:db8:5::2', 80), 1844); // [::]:80
    assert.equal(take('tcp', '198.51.100.2', 8443), 1852); // [::ffff:198.51.100.2]:8443
    assert.equal(take('tcp', '198.51.100.3', 8443), undefined);
    assert.equal(take('tcp', '198.51.100.2', 8080), 1845); // *:8080 takes IPv4 too
    assert.equal(take('tcp', '2001:db8:5::2', 443), 1851);
    assert.equal(take('tcp', '::1', 6379), 1857);
    assert.equal(take('udp', '198.51.100.2', 123), undefined); // [::]:123 is IPv6 only
  });
});
