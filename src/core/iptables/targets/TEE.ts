// `-j TEE`: sends a copy of the packet to another gateway; the original goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => `is copied to ${targetValue(rule, '--gateway') ?? 'a gateway'}, ${CONTINUES}`);
