// Docker (and Podman's Docker-compatible socket): the Engine API over its unix socket with Node's own http, no
// `docker` CLI. Lists running containers, inspects each for its sandbox key and pid, and lists networks. Everything
// it returns is untrusted text; answers are size-capped and every request has a time limit. Containers are linked to
// namespaces by the inode of their sandbox key or /proc/<pid>/ns/net, never by name or address.
import { request } from 'node:http';
import { inodeOf, list, netnsOfPid, obj, str } from './read';
import type { RuntimeContainer, RuntimeInfo, RuntimeName, RuntimeNetwork, RuntimeStatus } from '../../core/runtime';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
/** A daemon that does not answer in this long counts as hung: the kernel view goes on without names. */
export const RUNTIME_TIMEOUT_MS = 2000;
const MAX_BODY = 32 * 1024 * 1024;

export interface DockerOptions {
  /** `unix:///path/to/docker.sock` (DOCKER_HOST syntax) or a plain socket path. */
  endpoint: string;
  runtime?: RuntimeName;
  timeoutMs?: number;
  procDir?: string;
}

/** The endpoint to use: the setting or flag, else DOCKER_HOST, else Docker's default socket. */
export function dockerEndpoint(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return given?.trim() || env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST;
}

/** How an absent socket is worded: Docker is not installed or not started (the views stay quiet about it). */
export const NO_SOCKET = 'no daemon socket at';

class ApiError extends Error {
  constructor(
    readonly status: RuntimeStatus['status'],
    message: string,
  ) {
    super(message);
  }
}

function socketPathOf(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('/')) return endpoint;
  throw new ApiError('error', `only unix sockets are read (${endpoint.split(':')[0]}:// endpoints are not supported)`);
}

function get(socketPath: string, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { Host: 'docker' }, timeout: timeoutMs }, (res) => {
      let size = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          req.destroy(new ApiError('error', `the answer to ${path} is larger than ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 400) {
          reject(new ApiError('error', `${path} answered HTTP ${res.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new ApiError('error', `${path} did not answer JSON`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new ApiError('timeout', `no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof ApiError) reject(e);
      else if (e.code === 'ENOENT') reject(new ApiError('unavailable', `${NO_SOCKET} ${socketPath}`));
      else if (e.code === 'ECONNREFUSED') reject(new ApiError('unavailable', `no daemon listens on ${socketPath}`));
      else if (e.code === 'EACCES' || e.code === 'EPERM')
        reject(new ApiError('permission', `no permission to ${socketPath} (root, or the docker group, can read it)`));
      else reject(new ApiError('error', e.message));
    });
    req.end();
  });
}

async function namespaceOf(inspect: Record<string, unknown>, procDir: string): Promise<string | null> {
  const sandbox = str(obj(inspect.NetworkSettings).SandboxKey);
  const bySandbox = sandbox ? await inodeOf(sandbox) : null;
  if (bySandbox) return bySandbox;
  const pid = obj(inspect.State).Pid;
  return typeof pid === 'number' ? netnsOfPid(pid, procDir) : null;
}

function containerOf(
  runtime: RuntimeName,
  summary: Record<string, unknown>,
  inspect: Record<string, unknown>,
  namespace: string | null,
): RuntimeContainer | null {
  const id = str(summary.Id) ?? str(inspect.Id);
  if (!id) return null;
  const names = list(summary.Names)
    .map(str)
    .filter((n): n is string => n !== null);
  const name = (names[0] ?? str(inspect.Name) ?? id.slice(0, 12)).replace(/^\//, '');
  const labels = obj(summary.Labels);
  const networks = Object.entries(obj(obj(summary.NetworkSettings).Networks)).map(([net, v]) => ({
    name: net,
    ipv4: str(obj(v).IPAddress),
    ipv6: str(obj(v).GlobalIPv6Address),
  }));
  return {
    runtime,
    id,
    name,
    image: str(summary.Image),
    networkMode: str(obj(summary.HostConfig).NetworkMode),
    networks,
    project: str(labels['com.docker.compose.project']) ?? str(labels['io.podman.compose.project']),
    service: str(labels['com.docker.compose.service']) ?? str(labels['io.podman.compose.service']),
    lab: str(labels.containerlab),
    pod: str(labels['io.kubernetes.pod.name']),
    podNamespace: str(labels['io.kubernetes.pod.namespace']),
    namespace,
  };
}

function networkOf(runtime: RuntimeName, n: Record<string, unknown>): RuntimeNetwork | null {
  const id = str(n.Id);
  const name = str(n.Name);
  if (!id || !name) return null;
  const driver = str(n.Driver);
  const option = str(obj(n.Options)['com.docker.network.bridge.name']);
  // Docker names a user-defined network's bridge br-<first 12 characters of its id> unless an option says otherwise.
  const bridge = driver === 'bridge' ? (option ?? `br-${id.slice(0, 12)}`) : null;
  const subnets = list(obj(n.IPAM).Config)
    .map((c) => str(obj(c).Subnet))
    .filter((s): s is string => s !== null);
  return { runtime, id, name, driver, bridge: bridge ? { namespace: null, name: bridge } : null, subnets };
}

/**
 * Asks one Docker-compatible daemon. Never throws: a daemon that is missing, forbidden, hung or answering nonsense
 * gives no containers and one status line saying which and why.
 */
export async function readDocker(options: DockerOptions): Promise<RuntimeInfo> {
  const runtime = options.runtime ?? 'docker';
  const timeoutMs = options.timeoutMs ?? RUNTIME_TIMEOUT_MS;
  const procDir = options.procDir ?? '/proc';
  const status = (s: RuntimeStatus['status'], message: string, version: string | null = null): RuntimeStatus => ({
    runtime,
    endpoint: options.endpoint,
    status: s,
    version,
    message,
  });
  try {
    const socketPath = socketPathOf(options.endpoint);
    const version = str(obj(await get(socketPath, '/version', timeoutMs)).Version);
    const [summaries, nets] = await Promise.all([
      get(socketPath, '/containers/json', timeoutMs),
      get(socketPath, '/networks', timeoutMs),
    ]);
    const containers: RuntimeContainer[] = [];
    for (const s of list(summaries).slice(0, 10_000)) {
      const summary = obj(s);
      const id = str(summary.Id);
      if (!id || !/^[0-9a-f]{12,64}$/.test(id)) continue;
      const inspect = obj(await get(socketPath, `/containers/${id}/json`, timeoutMs));
      const c = containerOf(runtime, summary, inspect, await namespaceOf(inspect, procDir));
      if (c) containers.push(c);
    }
    const networks = list(nets)
      .map((n) => networkOf(runtime, obj(n)))
      .filter((n): n is RuntimeNetwork => n !== null);
    const named = containers.filter((c) => c.namespace !== null).length;
    return {
      containers,
      networks,
      runtimes: [
        status(
          'ok',
          `${containers.length} running container${containers.length === 1 ? '' : 's'}, ${named} linked to a namespace`,
          version,
        ),
      ],
    };
  } catch (e) {
    const s = e instanceof ApiError ? e.status : 'error';
    return { containers: [], networks: [], runtimes: [status(s, (e as Error).message)] };
  }
}

export interface EventWatch {
  stop(): void;
}

/**
 * Follows the daemon's event stream (`GET /events`, container and network events) and calls `onEvent` for each, so a
 * view refreshes when a container starts or stops instead of polling the API. A stream that ends or cannot be opened
 * is tried again after `retryMs`; nothing is thrown.
 */
export function watchDockerEvents(endpoint: string, onEvent: () => void, retryMs = 5000): EventWatch {
  let stopped = false;
  let current: ReturnType<typeof request> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const again = () => {
    current = null;
    if (!stopped) timer = setTimeout(open, retryMs);
  };
  const open = () => {
    timer = null;
    let socketPath: string;
    try {
      socketPath = socketPathOf(endpoint);
    } catch {
      return; // not a unix socket: nothing to follow
    }
    const filters = encodeURIComponent(JSON.stringify({ type: ['container', 'network'] }));
    current = request(
      { socketPath, path: `/events?filters=${filters}`, method: 'GET', headers: { Host: 'docker' } },
      (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          res.resume();
          again();
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // One JSON object per event; what it says does not matter, only that something changed.
          if (chunk.includes('{')) onEvent();
        });
        res.on('end', again);
        res.on('error', again);
      },
    );
    current.on('error', again);
    current.end();
  };
  open();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      current?.destroy();
    },
  };
}
