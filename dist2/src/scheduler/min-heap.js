/** Binary min-heap keyed by a number; the scheduler's due-time queue. */
export class MinHeap {
    items = [];
    get size() {
        return this.items.length;
    }
    push(key, value) {
        const items = this.items;
        items.push({ key, value });
        let i = items.length - 1;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (items[parent].key <= key)
                break;
            items[i] = items[parent];
            i = parent;
        }
        items[i] = { key, value };
    }
    peekKey() {
        return this.items[0]?.key;
    }
    pop() {
        const items = this.items;
        const top = items[0];
        const last = items.pop();
        if (!top || !last || items.length === 0)
            return top;
        let i = 0;
        const n = items.length;
        for (;;) {
            const l = 2 * i + 1;
            const r = l + 1;
            let smallest = i;
            let smallestKey = last.key;
            if (l < n && items[l].key < smallestKey) {
                smallest = l;
                smallestKey = items[l].key;
            }
            if (r < n && items[r].key < smallestKey)
                smallest = r;
            if (smallest === i)
                break;
            items[i] = items[smallest];
            i = smallest;
        }
        items[i] = last;
        return top;
    }
    clear() {
        this.items.length = 0;
    }
}
//# sourceMappingURL=min-heap.js.map