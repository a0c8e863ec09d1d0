// An in-memory apiserver behind the KubeRest interface: CRUD with resourceVersion compare-and-swap, merge,
// JSON and (pod-condition) strategic patches, finalizer-aware deletes, watches with history and compaction,
// and one-shot failure injection. Just enough to test k8s/ without a real apiserver.
import { KubeApiError, type KubeRequest, type KubeRest, type Query, type WatchHandle } from '../../../src/k8s/client.ts';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

interface Parsed { plural: string; namespace: string | undefined; name: string | undefined; sub: string | undefined }

function parsePath(path: string): Parsed {
  const segs = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const rest = segs[0] === 'api' ? segs.slice(2) : segs.slice(3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) { namespace = rest[1]; rest.splice(0, 2); }
  return { plural: rest[0] ?? '', namespace, name: rest[1], sub: rest[2] };
}

const clone = <T>(v: T): T => structuredClone(v);

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** strategic merge, only as far as the tests need: arrays of objects with a "type" merge by type */
function strategicPatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target) && patch.every((p) => p && typeof p === 'object' && 'type' in p)) {
    const out = clone(target) as Record<string, unknown>[];
    for (const p of patch as Record<string, unknown>[]) {
      const i = out.findIndex((o) => o.type === p.type);
      if (i >= 0) out[i] = mergePatch(out[i], p) as Record<string, unknown>;
      else out.push(mergePatch({}, p) as Record<string, unknown>);
    }
    return out;
  }
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicPatch(out[k], v);
  }
  return out;
}

function jsonPatch(doc: Obj, ops: { op: string; path: string; value?: unknown }[]): Obj {
  const out = clone(doc);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: unknown = out;
    for (const p of parts) {
      parent = (parent as Record<string, unknown>)?.[p];
      if (parent === undefined) throw new KubeApiError(422, 'Invalid', `path ${op.path} not found`);
    }
    const container = parent as Record<string, unknown>;
    const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
    if (op.op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new KubeApiError(422, 'Invalid', `test failed at ${op.path}`);
    } else if (op.op === 'add') {
      if (list) list.splice(last === '-' ? list.length : Number(last), 0, clone(op.value));
      else container[last] = clone(op.value);
    } else if (op.op === 'remove') {
      if (list) list.splice(Number(last), 1);
      else delete container[last];
    } else if (op.op === 'replace') {
      container[last] = clone(op.value);
    }
  }
  return out;
}

interface Watcher { plural: string; namespace: string | undefined; onEvent: (t: string, o: unknown) => void; onDone: (e: unknown) => void; done: boolean }

export class FakeKube implements KubeRest {
  readonly store = new Map<string, Obj>();
  readonly calls: KubeRequest[] = [];
  readonly watchCalls: { path: string; query: Query }[] = [];
  readonly history: { rv: number; type: string; plural: string; namespace: string | undefined; obj: Obj }[] = [];
  watchers: Watcher[] = [];
  rv = 100;
  /** watches from a resourceVersion below this get 410 Gone */
  compactedBelow = 0;
  /** how a too-old watch is refused: an ERROR event in the stream (as the apiserver does) or an HTTP 410 */
  goneAs: 'event' | 'http' = 'event';
  #failures: { match: (r: KubeRequest) => boolean; error: Error; times: number }[] = [];
  #watchFailures: Error[] = [];
  #uid = 0;

  /** the next `times` requests matching `match` fail with HTTP status */
  failWhen(match: (r: KubeRequest) => boolean, status: number, times = 1): void {
    this.#failures.push({ match, error: new KubeApiError(status, 'Injected', `injected ${status}`), times });
  }

  /** the next watch call fails to connect with this error */
  failNextWatch(error: Error): void {
    this.#watchFailures.push(error);
  }

  /** drops every open watch, cleanly (null) or with an error */
  breakWatches(error: unknown = null): void {
    const ws = this.watchers;
    this.watchers = [];
    for (const w of ws) if (!w.done) { w.done = true; w.onDone(error); }
  }

  compact(): void {
    this.compactedBelow = this.rv;
  }

  get openWatches(): number {
    return this.watchers.filter((w) => !w.done).length;
  }

  #key(plural: string, ns: string | undefined, name: string): string {
    return `${plural}|${ns ?? ''}|${name}`;
  }

  /** writes an object directly, as another client would */
  put(plural: string, obj: Obj): Obj {
    const meta = obj.metadata ?? {};
    const key = this.#key(plural, meta.namespace as string | undefined, meta.name as string);
    const old = this.store.get(key);
    const next = clone(obj);
    next.metadata = { ...meta, uid: old?.metadata?.uid ?? `uid-${++this.#uid}`, resourceVersion: String(++this.rv), generation: (old?.metadata?.generation as number | undefined) ?? 1 };
    this.store.set(key, next);
    this.#notify(old ? 'MODIFIED' : 'ADDED', plural, next);
    return clone(next);
  }

  remove(plural: string, namespace: string | undefined, name: string): void {
    const key = this.#key(plural, namespace, name);
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    const gone = clone(old);
    gone.metadata = { ...gone.metadata, resourceVersion: String(++this.rv) };
    this.#notify('DELETED', plural, gone);
  }

  getObject(plural: string, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.store.get(this.#key(plural, namespace, name));
    return o && clone(o);
  }

  #notify(type: string, plural: string, obj: Obj): void {
    const namespace = obj.metadata?.namespace as string | undefined;
    this.history.push({ rv: this.rv, type, plural, namespace, obj: clone(obj) });
    for (const w of this.watchers) {
      if (!w.done && w.plural === plural && (!w.namespace || w.namespace === namespace)) w.onEvent(type, clone(obj));
    }
  }

  async request<T>(req: KubeRequest): Promise<T> {
    this.calls.push(req);
    await Promise.resolve();
    const f = this.#failures.find((x) => x.times > 0 && x.match(req));
    if (f) { f.times--; throw f.error; }
    const p = parsePath(req.path);
    if (req.method === 'GET' && p.name === undefined) {
      const items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(p.namespace ? `${p.plural}|${p.namespace}|` : `${p.plural}|`))
        .map(([, v]) => clone(v));
      // pages as the apiserver serves them: `limit` items, and a continue token while more remain
      const limit = Number(req.query?.['limit'] ?? 0);
      const from = Number(req.query?.['continue'] ?? 0);
      const page = limit > 0 ? items.slice(from, from + limit) : items;
      const more = limit > 0 && from + limit < items.length;
      return { items: page, metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(from + limit) } : {}) } } as T;
    }
    const key = this.#key(p.plural, p.namespace, p.name ?? (req.body as Obj)?.metadata?.name as string);
    const current = this.store.get(key);
    switch (req.method) {
      case 'GET':
        if (!current) throw new KubeApiError(404, 'NotFound', `${p.plural} ${p.name} not found`);
        return clone(current) as T;
      case 'POST': {
        if (current) throw new KubeApiError(409, 'AlreadyExists', 'already exists');
        const body = clone(req.body as Obj);
        body.metadata = { ...body.metadata, namespace: p.namespace ?? body.metadata?.namespace };
        return this.put(p.plural, body) as T;
      }
      case 'PUT': {
        if (!current) throw new KubeApiError(404, 'NotFound', 'not found');
        const body = req.body as Obj;
        if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== current.metadata?.resourceVersion) throw new KubeApiError(409, 'Conflict', 'the object has been modified');
        return this.#update(p.plural, key, { ...clone(body), metadata: { ...body.metadata, uid: current.metadata?.uid } }) as T;
      }
      case 'PATCH': {
        if (!current) throw new KubeApiError(404, 'NotFound', 'not found');
        let next: Obj;
        if (req.contentType === 'application/json-patch+json') next = jsonPatch(current, req.body as never);
        else if (req.contentType === 'application/strategic-merge-patch+json') next = strategicPatch(current, req.body) as Obj;
        else next = mergePatch(current, req.body) as Obj;
        return this.#update(p.plural, key, next) as T;
      }
      case 'DELETE': {
        if (!current) throw new KubeApiError(404, 'NotFound', 'not found');
        if ((current.metadata?.finalizers as string[] | undefined)?.length) {
          return this.#update(p.plural, key, { ...current, metadata: { ...current.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } }) as T;
        }
        this.remove(p.plural, p.namespace, p.name!);
        return {} as T;
      }
    }
  }

  #update(plural: string, key: string, next: Obj): Obj {
    const meta = next.metadata ?? {};
    if (meta.deletionTimestamp && !(meta.finalizers as string[] | undefined)?.length) {
      this.store.set(key, next);
      this.remove(plural, meta.namespace as string | undefined, meta.name as string);
      return clone(next);
    }
    next.metadata = { ...meta, resourceVersion: String(++this.rv) };
    this.store.set(key, next);
    this.#notify('MODIFIED', plural, next);
    return clone(next);
  }

  async watch(path: string, query: Query, onEvent: (t: string, o: unknown) => void, onDone: (e: unknown) => void): Promise<WatchHandle> {
    this.watchCalls.push({ path, query });
    await Promise.resolve();
    const failure = this.#watchFailures.shift();
    if (failure) { onDone(failure); return { abort: () => undefined }; }
    const p = parsePath(path);
    const from = Number(query.resourceVersion ?? 0);
    if (query.resourceVersion !== undefined && from < this.compactedBelow) {
      if (this.goneAs === 'http') {
        onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
      } else {
        onEvent('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
        onDone(null);
      }
      return { abort: () => undefined };
    }
    const w: Watcher = { plural: p.plural, namespace: p.namespace, onEvent, onDone, done: false };
    this.watchers.push(w);
    for (const h of this.history) {
      if (h.rv > from && h.plural === p.plural && (!p.namespace || h.namespace === p.namespace)) onEvent(h.type, clone(h.obj));
    }
    return { abort: () => { if (!w.done) { w.done = true; onDone(null); } } };
  }
}
