// `-j MASQUERADE`: the source becomes the outgoing interface's address; how containers reach the outside.
import { portRangeWords, targetValue, withNatFlags } from '../../explain/words';
import { sourceRewritten } from '../../trace/nat';
import type { TargetModule } from '../module';

const masquerade: TargetModule = {
  describe(rule) {
    const ports = targetValue(rule, '--to-ports');
    const source = ports === undefined ? '' : `, source ${portRangeWords(ports)}`;
    return withNatFlags(rule, `has its source rewritten to the outgoing interface's address${source}`);
  },
  apply(call) {
    const { ctx, packet: p } = call;
    const from = { ip: p.src, port: p.sport };
    const addr = ctx.ifaceAddress(p.outIface);
    if (addr !== null) p.src = addr;
    return sourceRewritten(call, from);
  },
};
export default masquerade;
