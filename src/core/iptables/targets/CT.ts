// `-j CT`: conntrack settings for the connection (helper, zone), or `--notrack` to leave it untracked.
import { CONTINUES, hasTargetFlag, targetValue } from '../../explain/words';
import type { TargetModule } from '../module';
import type { Rule } from '../types';

function ctPhrase(rule: Rule): string {
  if (hasTargetFlag(rule, '--notrack')) return 'is excluded from connection tracking';
  const helper = targetValue(rule, '--helper');
  if (helper !== undefined) return `is tracked with the conntrack helper ${helper}`;
  const zone = targetValue(rule, '--zone');
  if (zone !== undefined) return `is tracked in conntrack zone ${zone}`;
  return 'gets conntrack settings';
}

const ct: TargetModule = {
  describe: (rule) => `${ctPhrase(rule)}, ${CONTINUES}`,
  apply({ rule, assumptions, say }) {
    const name = rule.target?.name ?? 'CT';
    const notrack = name === 'NOTRACK' || hasTargetFlag(rule, '--notrack');
    say(
      notrack
        ? 'NOTRACK: the connection is not tracked, so no NAT applies to it (not modelled: the trace goes on as tracked)'
        : `${name}: conntrack settings`,
    );
    if (notrack) assumptions.push('untracked packets skip NAT; the trace does not model that');
    return null;
  },
};
export default ct;
