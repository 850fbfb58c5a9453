/**
 * The K best (key, row) pairs offered so far, for the store's searches: a
 * binary min-heap whose root is the worst kept entry. Higher keys are better.
 * Ties on the key go to the smaller id, so results do not depend on row
 * order (which deletes change).
 */
export class TopKHeap {
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  /** `ids[row]` is the id of each row, used to break ties. */
  constructor(
    private readonly capacity: number,
    private readonly ids: readonly string[],
  ) {
    this.keys = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  /** Keeps (key, row) if it is among the K best so far. */
  offer(key: number, row: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(key, row, this.keys[parent]!, this.rows[parent]!)) break;
        this.keys[i] = this.keys[parent]!;
        this.rows[i] = this.rows[parent]!;
        i = parent;
      }
      this.keys[i] = key;
      this.rows[i] = row;
      return;
    }
    if (!this.worse(this.keys[0]!, this.rows[0]!, key, row)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      let child = left;
      if (right < this.size && this.worse(this.keys[right]!, this.rows[right]!, this.keys[left]!, this.rows[left]!)) child = right;
      if (!this.worse(this.keys[child]!, this.rows[child]!, key, row)) break;
      this.keys[i] = this.keys[child]!;
      this.rows[i] = this.rows[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.rows[i] = row;
  }

  /** The kept entries, best first. */
  drainBestFirst(): { key: number; row: number }[] {
    const out: { key: number; row: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, row: this.rows[i]! });
    return out.sort((a, b) => (this.worse(a.key, a.row, b.key, b.row) ? 1 : this.worse(b.key, b.row, a.key, a.row) ? -1 : 0));
  }

  /** Whether entry a ranks below entry b. */
  private worse(keyA: number, rowA: number, keyB: number, rowB: number): boolean {
    if (keyA !== keyB) return keyA < keyB;
    return this.ids[rowA]! > this.ids[rowB]!;
  }
}
