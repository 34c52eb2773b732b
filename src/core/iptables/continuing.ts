// Targets that only log, count or set metadata: the trace's walk goes on after them.
import type { ExplainContext } from '../explain/words';
import type { TargetModule } from './module';
import type { Rule } from './types';

/** A target the walk passes through; `describe` defaults to naming it as not interpreted. */
export function continuing(describe?: (rule: Rule, ctx: ExplainContext) => string): TargetModule {
  return {
    describe: describe ?? ((rule) => `goes to target ${rule.target?.name} (not interpreted)`),
    apply({ rule, say }) {
      const name = rule.target?.name ?? '';
      say(`${name}: ${name === 'LOG' || name === 'NFLOG' ? 'logged' : 'applied'}, the walk goes on`);
      return null;
    },
  };
}

/**
 * A target that changes the packet in a way the trace does not follow (NETMAP, SNPT, DNPT): put into words, and the
 * step is marked uncertain, the walk going on as if it had not run.
 */
export function unmodelled(describe: (rule: Rule, ctx: ExplainContext) => string): TargetModule {
  return {
    describe,
    apply({ rule, say, assumptions }) {
      assumptions.push(`${rule.target?.name ?? 'the target'} rewrites the packet in a way the trace does not follow`);
      say(`${rule.target?.name ?? ''}: not modelled; the walk goes on with the packet unchanged`);
      return null;
    },
  };
}
