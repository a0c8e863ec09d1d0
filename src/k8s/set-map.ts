// A map from a value to a set of keys, for the indexes the informers and controllers keep up to date.
export class SetMap {
  readonly #map = new Map<string, Set<string>>();

  add(value: string, key: string): void {
    let keys = this.#map.get(value);
    if (!keys) this.#map.set(value, (keys = new Set()));
    keys.add(key);
  }

  /** removes one key; a value left without keys is dropped */
  remove(value: string, key: string): void {
    const keys = this.#map.get(value);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#map.delete(value);
  }

  get(value: string): ReadonlySet<string> | undefined {
    return this.#map.get(value);
  }

  has(value: string): boolean {
    return this.#map.has(value);
  }

  values(): IterableIterator<string> {
    return this.#map.keys();
  }
}
