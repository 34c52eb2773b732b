// netnsExplorer.refresh: take a new snapshot, with progress on the views.
import type { CommandContext } from './context';

export function refresh(ctx: CommandContext): () => Promise<void> {
  return async () => {
    await ctx.store.refreshWithProgress();
  };
}
