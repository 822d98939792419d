/**
 * Binary min-heap keyed by a number; the scheduler's due-time queue. Keys and
 * values sit in two parallel arrays: an item per push would be an object that
 * lives one check interval, long enough for V8 to promote it to the old
 * generation and collect it there, at thousands of pushes a second.
 */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: T): void {
    const { keys, values } = this;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  /** Removes the smallest item and returns its value (peekKey() first for its key). */
  pop(): T | undefined {
    const { keys, values } = this;
    if (keys.length === 0) return undefined;
    const top = values[0];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      let smallestKey = lastKey;
      if (l < n && keys[l]! < smallestKey) {
        smallest = l;
        smallestKey = keys[l]!;
      }
      if (r < n && keys[r]! < smallestKey) smallest = r;
      if (smallest === i) break;
      keys[i] = keys[smallest]!;
      values[i] = values[smallest]!;
      i = smallest;
    }
    keys[i] = lastKey;
    values[i] = lastValue;
    return top;
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
  }
}
