// Multi-cluster target groups (ADR 0020): the targets a binding registered itself, so that it deregisters only
// those and leaves another cluster's alone. Kept where and as upstream keeps them, so a cluster moving from
// upstream (or back) keeps its record: ConfigMap `aws-lbc-targets-<binding name>` in the binding's namespace,
// data.targets = "id:port" joined by commas. Cached per binding after the first read or write (one GET per
// binding per process; a write only when the set changes).
import { isNotFound, type ResourceClient } from './client.ts';

export const TRACKED_TARGETS_PREFIX = 'aws-lbc-targets-';
export const TRACKED_TARGETS_KEY = 'targets';

export const trackedTargetsName = (bindingName: string): string => `${TRACKED_TARGETS_PREFIX}${bindingName}`;

/** upstream's CSV; empty entries are dropped */
export const parseTrackedTargets = (csv: string | undefined): Set<string> =>
  new Set((csv ?? '').split(',').filter((k) => k.length > 0));

/** sorted, so an unchanged set writes the same text */
export const formatTrackedTargets = (keys: Iterable<string>): string => [...new Set(keys)].sort().join(',');

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((k) => b.has(k));

export class TrackedTargets {
  readonly #configMaps: ResourceClient<'configMap'>;
  /** "namespace/binding" → the set as stored */
  readonly #cache = new Map<string, ReadonlySet<string>>();

  constructor(configMaps: ResourceClient<'configMap'>) {
    this.#configMaps = configMaps;
  }

  /** the targets the binding registered, or undefined when nothing was recorded yet (then nothing may be deregistered) */
  async read(namespace: string, binding: string): Promise<ReadonlySet<string> | undefined> {
    const key = `${namespace}/${binding}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const cm = await this.#configMaps.get(trackedTargetsName(binding), namespace);
    if (!cm) return undefined;
    const keys = parseTrackedTargets(cm.data?.[TRACKED_TARGETS_KEY]);
    this.#cache.set(key, keys);
    return keys;
  }

  /** records the set (no call when it is what was last read or written) */
  async write(namespace: string, binding: string, keys: ReadonlySet<string>): Promise<void> {
    const key = `${namespace}/${binding}`;
    const cached = this.#cache.get(key);
    if (cached && sameSet(cached, keys)) return;
    const body = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: trackedTargetsName(binding), namespace },
      data: { [TRACKED_TARGETS_KEY]: formatTrackedTargets(keys) },
    };
    try {
      await this.#configMaps.replace(body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.#configMaps.create(body, namespace);
    }
    this.#cache.set(key, new Set(keys));
  }

  /** the binding is gone: so is its record */
  async remove(namespace: string, binding: string): Promise<void> {
    this.#cache.delete(`${namespace}/${binding}`);
    try {
      await this.#configMaps.delete(trackedTargetsName(binding), namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
