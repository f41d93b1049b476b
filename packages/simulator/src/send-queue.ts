interface Pending<T> {
  sendAtTs: number;
  seq: number;
  item: T;
}

/**
 * Records held back until their send position (event time plus delay): a binary min-heap by
 * position, then by insertion, so records with equal positions keep their order.
 */
export class SendQueue<T> {
  private readonly heap: Array<Pending<T>> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest waiting send position; Infinity when nothing waits. */
  nextSendAtTs(): number {
    return this.heap[0]?.sendAtTs ?? Infinity;
  }

  push(sendAtTs: number, item: T): void {
    const heap = this.heap;
    heap.push({ sendAtTs, seq: this.seq++, item });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest; call only when size > 0. */
  pop(): T {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top.item;
  }
}

function before<T>(a: Pending<T>, b: Pending<T>): boolean {
  return a.sendAtTs < b.sendAtTs || (a.sendAtTs === b.sendAtTs && a.seq < b.seq);
}
