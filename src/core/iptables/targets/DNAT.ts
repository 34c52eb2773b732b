// `-j DNAT --to-destination`: the destination address (and port) is rewritten; how ports are published.
import { natAddress, portOnly, targetValue, targetValues, withNatFlags } from '../../explain/words';
import { destinationRewritten, translate } from '../../trace/nat';
import type { TargetModule } from '../module';

const dnat: TargetModule = {
  describe(rule, ctx) {
    const targets = targetValues(rule, '--to-destination');
    if (targets.length === 0) return 'is rewritten (no --to-destination given)';
    const port = portOnly(targets);
    if (port !== null) return withNatFlags(rule, `has its destination port rewritten to ${port}`);
    const to = targets.map((t) => natAddress(t, rule, ctx, ', keeping its port')).join(' or ');
    return withNatFlags(rule, `is rewritten to ${to}`);
  },
  apply(call) {
    const p = call.packet;
    const from = { ip: p.dst, port: p.dport };
    const to = translate(targetValue(call.rule, '--to-destination') ?? '', from);
    p.dst = to.ip;
    p.dport = to.port;
    return destinationRewritten(call, from);
  },
};
export default dnat;
