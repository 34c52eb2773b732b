// `-j CONNMARK`: copies marks between the packet and its connection; the walk goes on.
import { CONTINUES, hasTargetFlag } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => {
  if (hasTargetFlag(rule, '--save-mark')) return `has its firewall mark saved as its connection's mark, ${CONTINUES}`;
  if (hasTargetFlag(rule, '--restore-mark')) return `gets its connection's mark as its firewall mark, ${CONTINUES}`;
  return `has its connection's mark changed, ${CONTINUES}`;
});
