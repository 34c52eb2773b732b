// `-m mark`: the packet's firewall mark; `-m connmark` (its connection's mark) reads the same way.
import { notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const mark: MatchModule = {
  read(group, reading) {
    const connection = group.module === 'connmark';
    for (const option of group.options) {
      if (option.name !== '--mark') {
        notRead(reading, group, option);
      } else if (connection) {
        reading.clauses.push(`whose connection ${option.negated ? 'does not carry' : 'carries'} mark ${value(option)}`);
      } else {
        reading.clauses.push(`${option.negated ? 'not carrying' : 'carrying'} firewall mark ${value(option)}`);
      }
    }
  },
  evaluate(option, p, _env, module) {
    if (module !== 'mark' || option.name !== '--mark') return undefined;
    const arg = value(option);
    const [v = '0', m = '0xffffffff'] = arg.split('/');
    const matched = (p.mark & Number(m)) === Number(v);
    return {
      assumed: matched,
      why: `mark ${arg}: the packet's mark is taken as 0x${p.mark.toString(16)} (only MARK rules on this path change it)`,
    };
  },
};
export default mark;
