// Hover details for a picture element: the same Markdown tooltip the sidebar tree builds, as plain-text blocks.
import { detailBlocks, type DetailBlock } from '../../core/topology/details';
import type { TopologyEdge, TopologyNode, TopologyRef } from '../../core/topology/types';
import type { ViewModel } from '../tree/provider';
import type { SnapshotIndex } from '../tree/snapshotIndex';
import { treeNodeOf } from './treeLink';

export type ViewModels = Record<TopologyRef['view'], ViewModel>;

export function elementDetails(
  element: TopologyNode | TopologyEdge,
  idx: SnapshotIndex | null,
  models: ViewModels,
): DetailBlock[] {
  const blocks: DetailBlock[] = [];
  if (element.ref && idx) {
    const tip = models[element.ref.view].tooltip(treeNodeOf(element.ref), idx);
    if (tip) blocks.push(...detailBlocks(tip.value));
  }
  if (blocks.length === 0) blocks.push({ kind: 'heading', text: element.label.replace(/\n/g, ' · ') });
  for (const line of element.details) blocks.push({ kind: 'text', text: line });
  return blocks;
}
