// `-j SET`: adds the packet's addresses to an ipset, or deletes them from one, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => {
  const add = targetValue(rule, '--add-set');
  const del = targetValue(rule, '--del-set');
  const where =
    add !== undefined
      ? `added to the ipset ${add}`
      : del !== undefined
        ? `removed from the ipset ${del}`
        : 'put in an ipset';
  return `has its addresses ${where}, ${CONTINUES}`;
});
