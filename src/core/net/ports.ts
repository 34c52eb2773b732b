// Port lists as iptables writes them: `80`, `30000:30010`, `53,67:68`, `:1024`, `1024:`.

/** Whether `port` is in the iptables port list `spec`. */
export function portInSpec(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':');
    const low = lo === '' || lo === undefined ? 0 : Number(lo);
    const high = hi === undefined ? low : hi === '' ? 65535 : Number(hi);
    return port >= low && port <= high;
  });
}

/**
 * The span of a mapping's port as the model holds it: a number, a range `lo-hi`, or null for every port (0–65535).
 * The one reader of that form (port rows, conflicts, the trace's notes and diagnosis).
 */
export function portSpan(spec: number | string | null): [number, number] {
  if (spec === null) return [0, 65535];
  if (typeof spec === 'number') return [spec, spec];
  const [lo = 0, hi = lo] = spec.split('-').map(Number);
  return [lo, hi];
}

/** Whether `port` lies in the span of a mapping's port (`portSpan`). */
export function spanCovers(spec: number | string | null, port: number): boolean {
  if (spec === null) return true;
  if (typeof spec === 'number') return port === spec;
  const [lo, hi] = portSpan(spec);
  return port >= lo && port <= hi;
}
