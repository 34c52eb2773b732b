// Docker's `-p` syntax in Create Port Mapping's one ports step, and the listeners offered there.
import { strict as assert } from 'node:assert';
import { parseSs } from '../../src/core/listeners';
import { checkPublish } from '../../src/core/mapping/validate';
import { portSuggestions } from '../../src/core/mapping/suggest';

describe('ports as for docker run -p', () => {
  const ok: [string, { hostIp: string | null; hostPort: number; containerPort: number; protocol: string }][] = [
    ['18080:80', { hostIp: null, hostPort: 18080, containerPort: 80, protocol: 'tcp' }],
    ['80', { hostIp: null, hostPort: 80, containerPort: 80, protocol: 'tcp' }],
    ['53/udp', { hostIp: null, hostPort: 53, containerPort: 53, protocol: 'udp' }],
    ['127.0.0.1:18080:80/udp', { hostIp: '127.0.0.1', hostPort: 18080, containerPort: 80, protocol: 'udp' }],
    ['0.0.0.0:8080:80', { hostIp: null, hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['[fd00::1]:8443:443/tcp', { hostIp: 'fd00::1', hostPort: 8443, containerPort: 443, protocol: 'tcp' }],
    [' 9090:90/SCTP ', { hostIp: null, hostPort: 9090, containerPort: 90, protocol: 'sctp' }],
  ];
  for (const [text, want] of ok)
    it(`reads ${JSON.stringify(text)}`, () => {
      const c = checkPublish(text);
      assert.ok(c.ok, c.ok ? '' : c.error);
      assert.deepEqual(c.value, want);
    });

  const bad: [string, RegExp][] = [
    ['8000-8010:8000-8010', /ranges are not supported/],
    ['127.0.0.1::80', /give the host port/],
    ['18080:80/icmp', /protocol must be tcp, udp or sctp/],
    ['70000:80', /from 1 to 65535/],
    ['a:b:c:d', /HOST_PORT:CONTAINER_PORT/],
    ['300.1.1.1:80:80', /IPv4 or IPv6 address/],
    ['[nope]:80:80', /IPv6 address in brackets/],
    ['', /HOST_PORT:CONTAINER_PORT/],
  ];
  for (const [text, why] of bad)
    it(`refuses ${JSON.stringify(text)}, saying why`, () => {
      const c = checkPublish(text);
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.error, why);
    });

  it("offers the target's listening ports, one per port and protocol, not loopback-only ones", () => {
    const { listeners } = parseSs(
      [
        'tcp LISTEN 0 511 *:80 *:* users:(("httpd",pid=42,fd=6))',
        'tcp LISTEN 0 511 [::]:80 [::]:* users:(("httpd",pid=42,fd=7))',
        'tcp LISTEN 0 511 127.0.0.1:6060 0.0.0.0:* users:(("debug",pid=43,fd=3))',
        'udp UNCONN 0 0 0.0.0.0:53 0.0.0.0:* users:(("dns",pid=44,fd=3))',
      ].join('\n'),
    );
    assert.deepEqual(
      portSuggestions(listeners).map((s) => s.text),
      ['80:80', '53:53/udp'],
    );
    assert.match(portSuggestions(listeners)[0]!.description, /httpd listens on/);
    assert.deepEqual(portSuggestions(null), []);
  });
});
