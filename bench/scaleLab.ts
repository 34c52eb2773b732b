// Builds N container-shaped namespaces (prefix nxb-) on one bridge, each with one published port, for the benchmarks.
import { ExecRunner, type Runner } from '../src/host/runner';

export const BENCH_PREFIX = 'nxb-';
export const BENCH_HOST = 'nxb-host';

async function must(runner: Runner, argv: string[], input?: string): Promise<void> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  if (r.failure) throw new Error(`${argv.join(' ')}: ${r.stderr.trim() || r.failure.message}`);
}

export function containerName(i: number): string {
  return `${BENCH_PREFIX}c${i}`;
}

/** 10.88.x.y: container i gets 10.88.(i >> 8).(i & 255 + 2), all in one /16 on bridge nxbbr0 inside nxb-host. */
function containerAddress(i: number): string {
  const n = i + 2;
  return `10.88.${n >> 8}.${n & 255}`;
}

export async function benchLabDown(runner: Runner = new ExecRunner()): Promise<void> {
  const list = await runner.run(['ip', 'netns', 'list']);
  const names = list.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(BENCH_PREFIX));
  if (names.length)
    await runner.run(['ip', '-batch', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n' });
}

/** Adds containers [from, to) to an existing bench host, each with a published port unless `published` is false. */
export async function addContainers(runner: Runner, from: number, to: number, published = true): Promise<void> {
  const names = Array.from({ length: to - from }, (_, k) => containerName(from + k));
  await must(runner, ['ip', '-batch', '-'], names.map((n) => `netns add ${n}`).join('\n') + '\n');
  const links: string[] = [];
  for (let i = from; i < to; i++) {
    links.push(
      `link add nxbv${i} type veth peer name eth0 netns ${containerName(i)}`,
      `link set nxbv${i} master nxbbr0 up`,
    );
  }
  await must(runner, ['ip', '-n', BENCH_HOST, '-batch', '-'], links.join('\n') + '\n');
  for (let i = from; i < to; i++) {
    await must(
      runner,
      ['ip', '-n', containerName(i), '-batch', '-'],
      [
        'link set lo up',
        'link set eth0 up',
        `addr add ${containerAddress(i)}/16 dev eth0`,
        'route add default via 10.88.0.1',
      ].join('\n') + '\n',
    );
  }
  if (!published) return;
  const rules = ['*nat'];
  for (let i = from; i < to; i++) {
    rules.push(
      `-A DOCKER ! -i nxbbr0 -p tcp -m tcp --dport ${20000 + i} -j DNAT --to-destination ${containerAddress(i)}:80`,
    );
  }
  rules.push('COMMIT', '');
  await must(
    runner,
    ['nsenter', `--net=/run/netns/${BENCH_HOST}`, '--', 'iptables-restore', '--noflush', '-w'],
    rules.join('\n'),
  );
}

/** A host namespace with a bridge and Docker's nat hooks, plus `count` containers. */
export async function benchLabUp(
  count: number,
  runner: Runner = new ExecRunner({ timeoutMs: 120_000 }),
  published = true,
): Promise<void> {
  await benchLabDown(runner);
  await must(runner, ['ip', 'netns', 'add', BENCH_HOST]);
  await must(
    runner,
    ['ip', '-n', BENCH_HOST, '-batch', '-'],
    ['link add nxbbr0 type bridge', 'addr add 10.88.0.1/16 dev nxbbr0', 'link set nxbbr0 up', 'link set lo up'].join(
      '\n',
    ) + '\n',
  );
  await must(
    runner,
    ['nsenter', `--net=/run/netns/${BENCH_HOST}`, '--', 'iptables-restore', '-w'],
    [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':INPUT ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':DOCKER - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
      '-A POSTROUTING -s 10.88.0.0/16 ! -o nxbbr0 -j MASQUERADE',
      '-A DOCKER -i nxbbr0 -j RETURN',
      'COMMIT',
      '',
    ].join('\n'),
  );
  await addContainers(runner, 0, count, published);
}
