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
  apply({ rule, assumptions, say, packet }) {
    const name = rule.target?.name ?? 'CT';
    if (name === 'NOTRACK' || hasTargetFlag(rule, '--notrack')) {
      packet.untracked = true;
      packet.untrackedByRule = true;
      say(
        `${name === 'NOTRACK' ? 'NOTRACK' : 'CT --notrack'}: the packet is not tracked, so no nat chain sees it (no DNAT, no SNAT here) and it matches --ctstate UNTRACKED, neither NEW nor ESTABLISHED`,
      );
      return null;
    }
    // Helpers, zones, timeouts and events change conntrack in ways the trace does not follow.
    assumptions.push(`${ctPhrase(rule)}: not modelled; assumed to change nothing the trace follows`);
    say(`${name}: conntrack settings`);
    return null;
  },
};
export default ct;
