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
