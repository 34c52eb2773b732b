// Finds the namespace a user named (`host`, an id, an ip-netns name, a Docker sandbox key, or a label such as
// `redis (pid 42)`): the one resolver of every CLI command. An ambiguous name is refused, never guessed.
import { namespaceLabel } from './labels';
import type { Namespace } from './model';

type Named = Pick<Namespace, 'id' | 'kind' | 'name' | 'processes' | 'containerNames'>;

/** The namespace `ref` names, or why there is none: not found, or several share the name (give the id). */
export function resolveNamespace<T extends Named>(namespaces: readonly T[], ref: string): T | string {
  if (ref === 'host') {
    const host = namespaces.find((n) => n.kind === 'host');
    return host ?? 'the host namespace was not found';
  }
  const byId = namespaces.find((n) => n.id === ref);
  if (byId) return byId;
  // A container's name (`--from redis`), when a runtime named it: one of several sharing a namespace counts too.
  for (const matches of [
    (n: T) => n.name === ref,
    (n: T) => namespaceLabel(n) === ref,
    (n: T) => n.containerNames?.includes(ref) ?? false,
  ]) {
    const found = namespaces.filter(matches);
    if (found.length === 1 && found[0]) return found[0];
    if (found.length > 1)
      return `several namespaces are called ${JSON.stringify(ref)}: use the id (${found.map((n) => `${n.id} ${namespaceLabel(n)}`).join(', ')})`;
  }
  return `no namespace called ${JSON.stringify(ref)} (give a container name, a name from \`ip netns\`, a Docker sandbox key, an id, or host)`;
}
