/**
 * The results a window node fired and has not emitted yet, with their timestamps: two arrays
 * filled by index and handed downstream as they are (a batch's records and timestamps), so each
 * is allocated once per emitted batch at the size the previous batch had, instead of being grown
 * by `push` (which copies it ~log n times: a quarter of the garbage of bench W2, one result per
 * record).
 * @internal
 */
export class ResultBuffer {
  /** Results fired so far (`records[0 .. length - 1]`). */
  length = 0;
  records: unknown[] = [];
  timestamps: number[] = [];
  /** Results of the last emitted batch: the size of the next one's arrays. */
  private hint = 16;

  /**
   * Makes room for `n` more results. Callers then write `records[length + i]` and
   * `timestamps[length + i]` for `i < n` and add `n` to `length`.
   */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.records.length) return;
    const cap = Math.max(need, this.length === 0 ? this.hint : this.records.length * 2);
    const records = new Array<unknown>(cap);
    const timestamps = new Array<number>(cap);
    for (let i = 0; i < this.length; i++) {
      records[i] = this.records[i];
      timestamps[i] = this.timestamps[i];
    }
    this.records = records;
    this.timestamps = timestamps;
  }

  /** Adds one result. */
  push(record: unknown, ts: number): void {
    this.reserve(1);
    this.records[this.length] = record;
    this.timestamps[this.length++] = ts;
  }

  /**
   * The results fired so far (trimmed to their number), and an empty buffer for the next ones.
   * The arrays returned belong to the caller.
   */
  take(): { records: unknown[]; timestamps: number[] } {
    const n = this.length;
    const records = this.records;
    const timestamps = this.timestamps;
    if (records.length !== n) {
      records.length = n;
      timestamps.length = n;
    }
    this.hint = Math.max(n, 16);
    this.length = 0;
    this.records = [];
    this.timestamps = [];
    return { records, timestamps };
  }
}
