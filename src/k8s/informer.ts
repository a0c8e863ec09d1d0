// An informer: list, then watch from the list's resourceVersion, keeping an in-memory cache and calling
// handlers on every change. A watch that ends cleanly is resumed from the last resourceVersion seen; one that
// fails is restarted with exponential backoff; 410 Gone (history compacted) forces a fresh list, and the
// relist reconciles the cache (deletes missed while disconnected become delete events). Lifecycle events
// (connect, relist, error, restart) are emitted for metrics and logs; the informer logs nothing itself.
import { backoffDelay, sleep, systemClock, type Clock, type TimerHandle } from './clock.ts';
import { isGone, statusOf, type KubeRest, type RbacVerb, type WatchHandle } from './client.ts';
import { SetMap } from './set-map.ts';
import { slimNode, slimPod, withoutBookkeeping } from './slim.ts';
import { objectKey, RESOURCES, resourcePath, type KubeObject, type ObjectOf, type ResourceKey, type ResourceType } from './types.ts';

export type InformerEvent =
  | { readonly type: 'connect'; readonly resource: string }
  | { readonly type: 'relist'; readonly resource: string; readonly reason: 'initial' | 'gone' | 'error'; readonly count: number }
  | { readonly type: 'error'; readonly resource: string; readonly phase: 'list' | 'watch' | 'handler'; readonly error: unknown }
  | { readonly type: 'restart'; readonly resource: string; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'synced'; readonly resource: string };

export interface ResourceHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  /** obj is the last state the cache knew */
  delete?(obj: T): void;
}

export interface InformerOptions<K extends ResourceKey = ResourceKey> {
  readonly rest: KubeRest;
  /** the resource to list and watch (the RBAC test reads it from the type: Informer<'ingress'>) */
  readonly resource: K;
  /** watch one namespace only (ignored for cluster-scoped kinds) */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly clock?: Clock;
  /** first restart delay after a failure (500 ms) */
  readonly backoffBaseMs?: number;
  /** restart delay cap (30 s) */
  readonly backoffMaxMs?: number;
  /** a watch that stayed open this long resets the restart backoff (60 s) */
  readonly backoffResetMs?: number;
  /** server-side watch timeout; the watch is then resumed without a relist (300 s) */
  readonly watchTimeoutSeconds?: number;
  readonly random?: () => number;
  /** what the cache keeps of each object (src/k8s/slim.ts); applied before handlers see it */
  readonly transform?: (obj: KubeObject) => KubeObject;
  /** list page size (500): a relist of 10,000 Pods never holds one huge response */
  readonly pageSize?: number;
}

/** what an informer sends: a GET of the collection and a watch on it (the RBAC test counts each Informer as both) */
export const INFORMER_VERBS: readonly RbacVerb[] = Object.freeze(['list', 'watch']);

export class Informer<K extends ResourceKey> {
  readonly resource: ResourceType;
  readonly #opts: InformerOptions<K>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, ObjectOf<K>>();
  readonly #handlers: ResourceHandlers<ObjectOf<K>>[] = [];
  readonly #listeners: ((e: InformerEvent) => void)[] = [];
  /** named indexes, kept current as the cache changes (before any handler runs) */
  readonly #indexes = new Map<string, IndexState<ObjectOf<K>>>();
  /** cache keys by namespace, so list(namespace) costs what the namespace holds */
  readonly #byNamespace = new SetMap();
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #abort = new AbortController();
  #watch: WatchHandle | undefined;
  #loop: Promise<void> | undefined;

  constructor(opts: InformerOptions<K>) {
    this.#opts = opts;
    this.resource = RESOURCES[opts.resource];
    this.#clock = opts.clock ?? systemClock;
  }

  get name(): string {
    return this.resource.plural;
  }

  /** registers change handlers; objects already cached are replayed as adds when added after sync */
  addHandlers(handlers: ResourceHandlers<ObjectOf<K>>): void {
    this.#handlers.push(handlers);
    if (this.#synced && handlers.add) for (const obj of this.#cache.values()) this.#call(() => handlers.add?.(obj));
  }

  onLifecycle(listener: (e: InformerEvent) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * a named index: byIndex(name, value) returns cached objects whose fn(obj) includes value. The index is kept
   * as the cache changes, so a lookup costs what it returns, not the size of the cache.
   */
  addIndex(name: string, fn: (obj: ObjectOf<K>) => readonly string[]): void {
    const state: IndexState<ObjectOf<K>> = { fn, byValue: new SetMap(), valuesOf: new Map() };
    this.#indexes.set(name, state);
    for (const [key, obj] of this.#cache) indexOne(state, key, obj);
  }

  byIndex(name: string, value: string): ObjectOf<K>[] {
    const state = this.#indexes.get(name);
    if (!state) throw new Error(`informer ${this.name}: no index named ${name}`);
    return this.#objects(state.byValue.get(value));
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** resolves once the first list has filled the cache (or when stopped) */
  waitForSync(): Promise<void> {
    if (this.#synced || this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  list(namespace?: string): ObjectOf<K>[] {
    return namespace === undefined ? [...this.#cache.values()] : this.#objects(this.#byNamespace.get(namespace));
  }

  #objects(keys: ReadonlySet<string> | undefined): ObjectOf<K>[] {
    const out: ObjectOf<K>[] = [];
    for (const k of keys ?? []) {
      const o = this.#cache.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** every cache write goes through here, so the indexes never lag the cache */
  #put(key: string, obj: ObjectOf<K>): void {
    const old = this.#cache.get(key);
    this.#cache.set(key, obj);
    if (!old) this.#byNamespace.add(obj.metadata?.namespace ?? '', key);
    for (const state of this.#indexes.values()) {
      unindexOne(state, key);
      indexOne(state, key, obj);
    }
  }

  #remove(key: string): void {
    const old = this.#cache.get(key);
    if (!old) return;
    this.#cache.delete(key);
    this.#byNamespace.remove(old.metadata?.namespace ?? '', key);
    for (const state of this.#indexes.values()) unindexOne(state, key);
  }

  get(name: string, namespace?: string): ObjectOf<K> | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): ObjectOf<K> | undefined {
    return this.#cache.get(key);
  }

  get lastResourceVersion(): string {
    return this.#resourceVersion;
  }

  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#watch?.abort();
    for (const w of this.#syncWaiters.splice(0)) w();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const state = { attempt: 0, goneStreak: 0, needList: true, listReason: 'initial' as 'initial' | 'gone' | 'error' };
    while (!signal.aborted) {
      const step = state.needList ? await this.#listStep(state) : await this.#watchStep(state);
      if (step === 'again' || signal.aborted) continue;
      if (step.error !== undefined) this.#emit({ type: 'error', resource: this.name, phase: step.phase, error: step.error });
      const delayMs = backoffDelay(state.attempt, this.#opts.backoffBaseMs ?? 500, this.#opts.backoffMaxMs ?? 30_000, 0.2, this.#opts.random);
      state.attempt++;
      this.#emit({ type: 'restart', resource: this.name, attempt: state.attempt, delayMs });
      await sleep(this.#clock, delayMs, signal);
    }
  }

  /** 'again' to go on at once, or a reason to back off first */
  async #listStep(state: { needList: boolean; listReason: 'initial' | 'gone' | 'error' }): Promise<'again' | { phase: 'list'; error: unknown }> {
    try {
      await this.#relist(state.listReason);
      state.needList = false;
      return 'again';
    } catch (error) {
      state.listReason = this.#synced ? 'error' : 'initial';
      return { phase: 'list', error };
    }
  }

  async #watchStep(state: { attempt: number; goneStreak: number; needList: boolean; listReason: 'initial' | 'gone' | 'error' }): Promise<'again' | { phase: 'watch'; error?: unknown }> {
    const openedAt = this.#clock.now();
    const ended = await this.#watchOnce();
    const lived = this.#clock.now() - openedAt;
    if (ended.connected && lived >= (this.#opts.backoffResetMs ?? 60_000)) state.attempt = 0;
    if (ended.gone) {
      state.needList = true;
      state.listReason = 'gone';
      // one relist is routine; 410 straight after a fresh list, again and again, is not
      return state.goneStreak++ === 0 ? 'again' : { phase: 'watch' };
    }
    state.goneStreak = 0;
    if (ended.error !== undefined) return { phase: 'watch', error: ended.error };
    // a clean close is routine (server-side timeout); one that comes at once, again and again, backs off
    if (lived >= 1000) { state.attempt = 0; return 'again'; }
    return { phase: 'watch' };
  }

  #collectionPath(): string {
    return resourcePath(this.resource, this.resource.namespaced ? this.#opts.namespace : undefined);
  }

  async #relist(reason: 'initial' | 'gone' | 'error'): Promise<void> {
    const kind = this.resource.kind;
    const apiVersion = this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version;
    const fresh = new Map<string, ObjectOf<K>>();
    let resourceVersion = '';
    let count = 0;
    // pages of a consistent snapshot: every page answers at the first page's resourceVersion
    for (let next: string | undefined; ;) {
      const body = await this.#opts.rest.request<{ items?: ObjectOf<K>[]; metadata?: { resourceVersion?: string; continue?: string } }>({
        method: 'GET',
        path: this.#collectionPath(),
        query: { labelSelector: this.#opts.labelSelector, fieldSelector: this.#opts.fieldSelector, limit: this.#opts.pageSize ?? 500, continue: next },
      });
      if (this.#abort.signal.aborted) return;
      for (const item of body?.items ?? []) fresh.set(objectKey(item), this.#keep({ apiVersion, kind, ...item }));
      count += body?.items?.length ?? 0;
      resourceVersion = body?.metadata?.resourceVersion ?? resourceVersion;
      next = body?.metadata?.continue || undefined;
      if (!next) break;
    }
    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) { this.#remove(key); this.#dispatch('delete', old); }
    }
    for (const [key, obj] of fresh) {
      const old = this.#cache.get(key);
      this.#put(key, obj);
      if (!old) this.#dispatch('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.#dispatch('update', obj, old);
    }
    this.#resourceVersion = resourceVersion;
    this.#emit({ type: 'relist', resource: this.name, reason, count });
    if (!this.#synced) {
      this.#synced = true;
      this.#emit({ type: 'synced', resource: this.name });
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  /** one watch connection; resolves when it ends */
  #watchOnce(): Promise<{ gone: boolean; connected: boolean; error?: unknown }> {
    return new Promise((resolve) => {
      let finished = false;
      let gone = false;
      let connected = false;
      const finish = (error: unknown): void => {
        if (finished) return;
        finished = true;
        this.#watch = undefined;
        if (gone || isGone(error)) resolve({ gone: true, connected });
        else if (error === null || error === undefined || isTimeout(error) || this.#abort.signal.aborted) resolve({ gone: false, connected });
        else resolve({ gone: false, connected, error });
      };
      const onEvent = (type: string, object: unknown): void => {
        if (finished) return;
        if (type === 'ERROR') {
          const code = statusOf(object);
          if (code === 410) gone = true;
          finish(gone ? null : Object.assign(new Error(`watch ${this.name}: ${describeStatus(object)}`), { status: code }));
          this.#watch?.abort();
          return;
        }
        this.#apply(type, object as ObjectOf<K>);
      };
      const query = {
        resourceVersion: this.#resourceVersion || undefined,
        allowWatchBookmarks: true,
        timeoutSeconds: this.#opts.watchTimeoutSeconds ?? 300,
        labelSelector: this.#opts.labelSelector,
        fieldSelector: this.#opts.fieldSelector,
      };
      this.#opts.rest.watch(this.#collectionPath(), query, onEvent, finish).then(
        (handle) => {
          if (finished) return;
          this.#watch = handle;
          if (this.#abort.signal.aborted) { handle.abort(); finish(null); return; }
          connected = true;
          this.#emit({ type: 'connect', resource: this.name });
        },
        (error: unknown) => finish(error ?? new Error('watch failed')),
      );
    });
  }

  #apply(type: string, obj: ObjectOf<K>): void {
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (type === 'BOOKMARK' || !obj?.metadata) return;
    const key = objectKey(obj);
    const old = this.#cache.get(key);
    if (type === 'DELETED') {
      this.#remove(key);
      this.#dispatch('delete', old ?? obj);
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    obj = this.#keep(obj);
    this.#put(key, obj);
    if (old) this.#dispatch('update', obj, old);
    else this.#dispatch('add', obj);
  }

  #keep(obj: ObjectOf<K>): ObjectOf<K> {
    return this.#opts.transform ? this.#opts.transform(obj) as ObjectOf<K> : obj;
  }

  #dispatch(kind: 'add' | 'update' | 'delete', obj: ObjectOf<K>, old?: ObjectOf<K>): void {
    for (const h of this.#handlers) {
      if (kind === 'add') this.#call(() => h.add?.(obj));
      else if (kind === 'update') this.#call(() => h.update?.(obj, old as ObjectOf<K>));
      else this.#call(() => h.delete?.(obj));
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#emit({ type: 'error', resource: this.name, phase: 'handler', error });
    }
  }

  #emit(e: InformerEvent): void {
    for (const l of this.#listeners) {
      try { l(e); } catch { /* a listener's failure must not stop the informer */ }
    }
  }
}

interface IndexState<T> {
  readonly fn: (obj: T) => readonly string[];
  readonly byValue: SetMap;
  /** what each cached key was indexed under, to take it out again */
  readonly valuesOf: Map<string, readonly string[]>;
}

function indexOne<T>(state: IndexState<T>, key: string, obj: T): void {
  let values: string[];
  try {
    values = [...new Set(state.fn(obj))];
  } catch {
    values = []; // a malformed object is simply not indexed; the reconcile that reads it reports it
  }
  state.valuesOf.set(key, values);
  for (const v of values) state.byValue.add(v, key);
}

function unindexOne<T>(state: IndexState<T>, key: string): void {
  for (const v of state.valuesOf.get(key) ?? []) state.byValue.remove(v, key);
  state.valuesOf.delete(key);
}

const isTimeout = (err: unknown): boolean => !!err && typeof err === 'object' && (err as { name?: string }).name === 'TimeoutError';

function describeStatus(obj: unknown): string {
  const s = (obj ?? {}) as { code?: number; reason?: string; message?: string };
  return `${s.code ?? '?'} ${s.reason ?? ''} ${s.message ?? ''}`.trim();
}

/** every informer the controllers need, scoped to --watch-namespace where the kind is namespaced */
export interface Informers {
  readonly ingresses: Informer<'ingress'>;
  readonly ingressClasses: Informer<'ingressClass'>;
  readonly ingressClassParams: Informer<'ingressClassParams'>;
  readonly services: Informer<'service'>;
  readonly endpointSlices: Informer<'endpointSlice'>;
  readonly pods: Informer<'pod'>;
  readonly nodes: Informer<'node'>;
  readonly targetGroupBindings: Informer<'targetGroupBinding'>;
  /** namespace labels (IngressClassParams namespaceSelector); with --watch-namespace only that namespace */
  readonly namespaces: Informer<'namespace'>;
}

export interface InformerSet extends Informers {
  all(): readonly Informer<ResourceKey>[];
  startAll(): void;
  stopAll(): Promise<void>;
  waitForSync(): Promise<void>;
  hasSynced(): boolean;
  onLifecycle(listener: (e: InformerEvent) => void): void;
}

export function createInformers(opts: Omit<InformerOptions, 'resource' | 'labelSelector' | 'fieldSelector'>): InformerSet {
  const make = <K extends ResourceKey>(resource: K, transform: (o: KubeObject) => KubeObject = withoutBookkeeping): Informer<K> =>
    new Informer({ ...opts, resource, transform });
  const set: Informers = {
    ingresses: make('ingress'),
    ingressClasses: make('ingressClass'),
    ingressClassParams: make('ingressClassParams'),
    services: make('service'),
    endpointSlices: make('endpointSlice'),
    pods: make('pod', (p) => slimPod(p as ObjectOf<'pod'>)),
    nodes: make('node', (n) => slimNode(n as ObjectOf<'node'>)),
    targetGroupBindings: make('targetGroupBinding'),
    // cluster-scoped: narrowed to the watched namespace by name, so a single-namespace controller caches one object
    namespaces: new Informer({ ...opts, resource: 'namespace', transform: withoutBookkeeping, ...(opts.namespace ? { fieldSelector: `metadata.name=${opts.namespace}` } : {}) }),
  };
  const all = Object.values(set) as Informer<ResourceKey>[];
  return {
    ...set,
    all: () => all,
    startAll: () => all.forEach((i) => i.start()),
    stopAll: async () => { await Promise.all(all.map((i) => i.stop())); },
    waitForSync: async () => { await Promise.all(all.map((i) => i.waitForSync())); },
    hasSynced: () => all.every((i) => i.hasSynced()),
    onLifecycle: (l) => all.forEach((i) => i.onLifecycle(l)),
  };
}

/** calls fn every periodMs until the signal aborts (for the low-priority full resync) */
export function every(clock: Clock, periodMs: number, fn: () => void, signal: AbortSignal): void {
  let handle: TimerHandle | undefined;
  const tick = (): void => {
    if (!signal.aborted) handle = clock.setTimeout(() => { fn(); tick(); }, periodMs);
  };
  signal.addEventListener('abort', () => { if (handle) clock.clearTimeout(handle); }, { once: true });
  tick();
}
