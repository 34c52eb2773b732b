// `-j CONNSECMARK`: copies the security mark between packet and connection, and the walk goes on.
import { CONTINUES } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${rule.target?.options.some((o) => o.name === '--restore') ? 'has its security mark restored from the connection' : 'has its security mark saved to the connection'}, ${CONTINUES}`,
);
