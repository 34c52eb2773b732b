// `-j NFLOG`: hands a copy to an nflog group (ulogd, tcpdump nflog:N); the walk goes on.
import { CONTINUES, prefixWords, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => {
  const group = targetValue(rule, '--nflog-group') ?? '0';
  return `is logged to nflog group ${group}${prefixWords(targetValue(rule, '--nflog-prefix'))}, ${CONTINUES}`;
});
