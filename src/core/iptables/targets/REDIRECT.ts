// `-j REDIRECT`: the destination becomes this host (the incoming interface's address), optionally another port.
import { portRangeWords, targetValue, withNatFlags } from '../../explain/words';
import { destinationRewritten } from '../../trace/nat';
import type { TargetModule } from '../module';

const redirect: TargetModule = {
  describe(rule) {
    const ports = targetValue(rule, '--to-ports');
    return withNatFlags(
      rule,
      ports === undefined
        ? 'is redirected to this host, keeping its port'
        : `is redirected to this host, ${portRangeWords(ports)}`,
    );
  },
  apply(call) {
    const { ctx, packet: p } = call;
    const from = { ip: p.dst, port: p.dport };
    const ports = targetValue(call.rule, '--to-ports');
    p.dst = ctx.ifaceAddress(p.inIface) ?? (ctx.family === 'ipv4' ? '127.0.0.1' : '::1');
    if (ports) p.dport = Number(ports.split('-')[0]);
    return destinationRewritten(call, from);
  },
};
export default redirect;
