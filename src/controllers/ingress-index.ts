// Which IngressGroups each Ingress is relevant to, and which Ingresses route to each Service, kept up to date by
// informer events, so an event or a reconcile costs what it touches instead of a pass over the whole cluster.
// The relations of one Ingress come from classifying it alone (class match, group, parsed annotations); a change
// of IngressClasses, their parameters or a namespace's labels reclassifies the Ingresses it can affect.
import { SetMap } from '../k8s/set-map.ts';

/** what one Ingress is relevant to */
export interface IngressRelations {
  /** group keys: its own group (if it is ours and active) and every group it still holds a finalizer for */
  readonly groups: readonly string[];
  /** "namespace/name" of the Services its backends route to (use-annotation forward targets included) */
  readonly services: readonly string[];
}

const NONE: IngressRelations = { groups: [], services: [] };

const sortedKeys = (s: ReadonlySet<string> | undefined): string[] => [...(s ?? [])].sort();

export class IngressIndex {
  readonly #relations = new Map<string, IngressRelations>();
  readonly #byGroup = new SetMap();
  readonly #byService = new SetMap();

  /**
   * records an Ingress's relations; returns the group keys it was or now is relevant to (what a change of it may
   * affect), sorted
   */
  set(ingressKey: string, relations: IngressRelations): string[] {
    const before = this.#relations.get(ingressKey) ?? NONE;
    this.#unlink(ingressKey, before);
    this.#relations.set(ingressKey, relations);
    for (const g of relations.groups) this.#byGroup.add(g, ingressKey);
    for (const s of relations.services) this.#byService.add(s, ingressKey);
    return [...new Set([...before.groups, ...relations.groups])].sort();
  }

  /** forgets an Ingress; returns the group keys it was relevant to */
  delete(ingressKey: string): string[] {
    const before = this.#relations.get(ingressKey);
    if (!before) return [];
    this.#unlink(ingressKey, before);
    this.#relations.delete(ingressKey);
    return [...before.groups].sort();
  }

  relationsOf(ingressKey: string): IngressRelations | undefined {
    return this.#relations.get(ingressKey);
  }

  /** the Ingresses relevant to a group (its members and those still holding its finalizer), sorted */
  ingressesOf(groupKey: string): string[] {
    return sortedKeys(this.#byGroup.get(groupKey));
  }

  /** the Ingresses that route to a Service ("namespace/name"), sorted */
  ingressesOfService(serviceKey: string): string[] {
    return sortedKeys(this.#byService.get(serviceKey));
  }

  /** every group key some Ingress is relevant to, sorted */
  groupKeys(): string[] {
    return [...this.#byGroup.values()].sort();
  }

  hasGroup(groupKey: string): boolean {
    return this.#byGroup.has(groupKey);
  }

  get size(): number {
    return this.#relations.size;
  }

  #unlink(ingressKey: string, r: IngressRelations): void {
    for (const g of r.groups) this.#byGroup.remove(g, ingressKey);
    for (const s of r.services) this.#byService.remove(s, ingressKey);
  }
}
