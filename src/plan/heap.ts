// A priority queue for the planner's orderings.
/** A binary min-heap of numbers (positions in some list) under `before`: push and pop in O(log n). */
export class Heap {
  readonly #items: number[];
  readonly #before: (a: number, b: number) => boolean;

  /** `items` is taken over (heapified in place, O(n)) */
  constructor(before: (a: number, b: number) => boolean, items: number[] = []) {
    this.#before = before;
    this.#items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  push(x: number): void {
    const a = this.#items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(a[i] as number, a[parent] as number)) break;
      [a[i], a[parent]] = [a[parent] as number, a[i] as number];
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      this.#down(0);
    }
    return top;
  }

  #down(start: number): void {
    const a = this.#items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.#before(a[l] as number, a[m] as number)) m = l;
      if (r < a.length && this.#before(a[r] as number, a[m] as number)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m] as number, a[i] as number];
      i = m;
    }
  }
}
