// The lab's command line: `npm run lab -- up|down|status [--json]`.
import * as fs from 'node:fs';
import { LAB_STATE_FILE, labDown, labLeftovers, labUp, readLabState, type LabState } from './lab';
import { hostOf, nftLabDown, nftLabUp, SHAPES } from './nftLab';

const USAGE = 'usage: npm run lab -- up | down | status [--json] | nft-up | nft-down';

function summary(state: LabState): string {
  const lines = [`lab is up (since ${state.createdAt}; state in ${LAB_STATE_FILE})`, '', 'namespaces:'];
  for (const ns of state.namespaces) {
    const where = ns.name ?? ns.path;
    const addresses = ns.interfaces.flatMap((i) => i.addresses.map((a) => `${i.name} ${a}`)).join(', ');
    lines.push(
      `  ${ns.key.padEnd(7)} ${ns.kind.padEnd(7)} ${ns.mode.padEnd(10)} ${where}  inode ${ns.inode}  pids [${ns.pids.join(' ')}]`,
    );
    if (addresses) lines.push(`          ${addresses}`);
  }
  lines.push('', 'published ports (DNAT in nxl-host, chain DOCKER):');
  for (const m of state.portMappings) {
    const host = m.family === 'ipv6' ? `[${m.hostIp}]` : m.hostIp;
    const target = m.family === 'ipv6' ? `[${m.targetIp}]` : m.targetIp;
    lines.push(`  ${m.protocol} ${host}:${m.hostPort} -> ${target}:${m.targetPort} (${m.target})`);
  }
  lines.push('', 'try: ip netns exec nxl-out node test/lab/client.js 198.18.0.1 8080 tcp');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const json = argv.includes('--json');
  const log = (line: string) => console.error(`lab: ${line}`);
  if (process.getuid?.() !== 0) {
    console.error('lab: needs root (it creates network namespaces)');
    return 1;
  }
  switch (command) {
    case 'up': {
      const state = await labUp({ log });
      console.log(json ? JSON.stringify(state, null, 2) : summary(state));
      return 0;
    }
    case 'down':
      await labDown({ log });
      console.log('lab is down');
      return 0;
    case 'status': {
      const state = readLabState();
      const left = labLeftovers();
      if (!state) {
        const stray = left.namespaces.length || left.mounts.length || left.processes.length || left.stateDir;
        console.log(stray ? `lab is down, but pieces are left (run down): ${JSON.stringify(left)}` : 'lab is down');
        return 0;
      }
      const gone = state.namespaces.filter((ns) => !fs.existsSync(ns.path)).map((ns) => ns.key);
      if (gone.length)
        console.log(
          `warning: state file present but these namespaces are gone: ${gone.join(', ')} (run down, then up)`,
        );
      console.log(json ? JSON.stringify(state, null, 2) : summary(state));
      return 0;
    }
    case 'nft-up':
      await nftLabUp();
      for (const shape of SHAPES) {
        const h = hostOf(shape);
        console.log(
          `${shape}: host ${h.host} (${h.hostIp}), outside ${h.out}, containers ${h.c1} ${h.c1ip}, ${h.c2} ${h.c2ip}`,
        );
      }
      return 0;
    case 'nft-down':
      await nftLabDown();
      console.log('nft lab is down');
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
