// The hover box: detail blocks written into the page with textContent only, so names can never become markup.
import type { DetailBlock } from '../src/core/topology/details';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function renderDetails(box: HTMLElement, blocks: DetailBlock[]): void {
  box.replaceChildren();
  let list: HTMLUListElement | null = null;
  for (const b of blocks) {
    if (b.kind !== 'item') list = null;
    switch (b.kind) {
      case 'heading':
        box.append(el('h3', b.text));
        break;
      case 'field': {
        const row = el('div', undefined, 'field');
        row.append(el('span', `${b.label}: `, 'field-label'), el('span', b.value, 'field-value'));
        box.append(row);
        break;
      }
      case 'item':
        if (!list) {
          list = el('ul');
          box.append(list);
        }
        list.append(el('li', b.text));
        break;
      case 'code':
        box.append(el('pre', b.text));
        break;
      default:
        box.append(el('p', b.text));
    }
  }
}

/** Puts the box next to the pointer, inside the window. */
export function placeDetails(box: HTMLElement, x: number, y: number): void {
  box.hidden = false;
  const w = box.offsetWidth;
  const h = box.offsetHeight;
  box.style.left = `${Math.max(4, Math.min(x + 14, window.innerWidth - w - 4))}px`;
  box.style.top = `${Math.max(4, Math.min(y + 14, window.innerHeight - h - 4))}px`;
}
