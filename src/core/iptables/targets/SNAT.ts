// `-j SNAT --to-source`: the source address (and port) is rewritten to a fixed one.
import { natAddress, portOnly, targetValue, targetValues, withNatFlags } from '../../explain/words';
import { sourceRewritten, translate } from '../../trace/nat';
import type { TargetModule } from '../module';

const snat: TargetModule = {
  describe(rule, ctx) {
    const targets = targetValues(rule, '--to-source');
    if (targets.length === 0) return 'has its source rewritten (no --to-source given)';
    const port = portOnly(targets);
    if (port !== null) return withNatFlags(rule, `has its source port rewritten to ${port}`);
    const to = targets.map((t) => natAddress(t, rule, ctx, '')).join(' or ');
    return withNatFlags(rule, `has its source rewritten to ${to}`);
  },
  apply(call) {
    const p = call.packet;
    const from = { ip: p.src, port: p.sport };
    const to = translate(targetValue(call.rule, '--to-source') ?? '', from);
    p.src = to.ip;
    p.sport = to.port;
    return sourceRewritten(call, from);
  },
};
export default snat;
