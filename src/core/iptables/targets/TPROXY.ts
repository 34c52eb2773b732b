// `-j TPROXY`: hands the packet to a local (transparent proxy) socket without rewriting it; not followed by the trace.
import { targetValue } from '../../explain/words';
import { unmodelled } from '../continuing';

export default unmodelled((rule) => {
  const port = targetValue(rule, '--on-port');
  const ip = targetValue(rule, '--on-ip');
  const mark = targetValue(rule, '--tproxy-mark');
  return `is handed to the local transparent proxy on ${ip && ip !== '0.0.0.0' ? `${ip}:` : 'port '}${port ?? '?'}${mark ? ` and marked ${mark}` : ''} (TPROXY)`;
});
