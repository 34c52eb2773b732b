// `-j SECMARK`: labels the packet with a security context, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) => `${`is labelled with the security context ${targetValue(rule, '--selctx') ?? '?'}`}, ${CONTINUES}`,
);
