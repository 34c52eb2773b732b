// `-j REJECT`: the packet is discarded and the sender told so (an ICMP error or a TCP reset).
import { targetValue } from '../../explain/words';
import type { TargetModule } from '../module';

function rejectPhrase(kind: string | undefined): string {
  if (kind === undefined) return 'is rejected with an ICMP port-unreachable error';
  if (kind === 'tcp-reset') return 'is rejected with a TCP reset';
  const icmp = /^icmp(6?)-(.*)$/.exec(kind);
  return icmp === null
    ? `is rejected with ${kind}`
    : `is rejected with an ICMP${icmp[1] === '6' ? 'v6' : ''} ${icmp[2]} error`;
}

const reject: TargetModule = {
  describe: (rule) => rejectPhrase(targetValue(rule, '--reject-with')),
  apply({ ctx, rule, link, say }) {
    const w =
      targetValue(rule, '--reject-with') ??
      (ctx.family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable');
    say(`REJECT with ${w}`);
    return { kind: 'reject', rule: link, with: w };
  },
};
export default reject;
