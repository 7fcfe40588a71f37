/** The state of a {@link WatermarkValve} in a checkpoint: per input, then the combined watermark. @internal */
export interface ValveState {
  readonly marks: number[];
  readonly idle: boolean[];
  readonly lastFinite: number[];
  readonly current: number;
}

/**
 * The combined event-time watermark of a node with several inputs (Flink's
 * StatusWatermarkValve): the minimum over inputs that are neither idle nor ended. With no such
 * input but an idle one, it holds where it is, or moves up to the last watermark an ended input
 * reached (never to +Infinity while an idle input may still send records). +Infinity only once
 * every input ended (and a node never forwards that: its outputs end instead).
 * @internal
 */
export class WatermarkValve {
  private readonly marks: number[] = [];
  private readonly idle: boolean[] = [];
  private readonly lastFinite: number[] = [];
  /** The combined watermark forwarded so far. */
  current = Number.NEGATIVE_INFINITY;

  /** The valve's state for a checkpoint (plain arrays). */
  snapshot(): ValveState {
    return {
      marks: this.marks.slice(),
      idle: this.idle.slice(),
      lastFinite: this.lastFinite.slice(),
      current: this.current,
    };
  }

  /**
   * Restores a {@link WatermarkValve.snapshot}; returns `false` (and changes nothing) when it does
   * not fit (another number of inputs, wrong types).
   */
  restore(s: unknown): boolean {
    const v = s as ValveState;
    const n = this.marks.length;
    const nums = (a: unknown) => Array.isArray(a) && a.length === n && a.every((x) => typeof x === "number");
    if (
      v === null ||
      typeof v !== "object" ||
      !nums(v.marks) ||
      !nums(v.lastFinite) ||
      !Array.isArray(v.idle) ||
      v.idle.length !== n ||
      typeof v.current !== "number"
    ) {
      return false;
    }
    for (let i = 0; i < n; i++) {
      this.marks[i] = v.marks[i];
      this.idle[i] = v.idle[i] === true;
      this.lastFinite[i] = v.lastFinite[i];
    }
    this.current = v.current;
    return true;
  }

  /** Adds an input (at -Infinity, active). */
  addInput(): void {
    this.marks.push(Number.NEGATIVE_INFINITY);
    this.idle.push(false);
    this.lastFinite.push(Number.NEGATIVE_INFINITY);
  }

  /** Input `index` sent watermark `ts`; returns whether it moved that input forward. */
  watermark(index: number, ts: number): boolean {
    if (ts <= this.marks[index]) return false;
    this.marks[index] = ts;
    this.lastFinite[index] = ts;
    return true;
  }

  /** Input `index` became idle or active; returns whether the valve must be re-evaluated. */
  status(index: number, idle: boolean): boolean {
    if (this.idle[index] === idle) return false;
    this.idle[index] = idle;
    return idle;
  }

  /** Input `index` sent records: it is active again. */
  active(index: number): void {
    if (this.idle[index]) this.idle[index] = false;
  }

  /** Input `index` ended: it leaves the minimum. */
  ended(index: number): void {
    this.marks[index] = Number.POSITIVE_INFINITY;
  }

  /**
   * The new combined watermark if it advanced past {@link WatermarkValve.current} (and is finite),
   * recorded as current; else `null`.
   */
  advance(): number | null {
    let wm = Number.POSITIVE_INFINITY;
    let active = 0;
    let idle = 0;
    for (let i = 0; i < this.marks.length; i++) {
      if (this.idle[i]) {
        idle++;
        continue;
      }
      if (this.marks[i] === Number.POSITIVE_INFINITY) continue;
      active++;
      if (this.marks[i] < wm) wm = this.marks[i];
    }
    if (active === 0 && idle > 0) {
      wm = this.current;
      for (const w of this.lastFinite) if (w > wm) wm = w;
    }
    if (wm <= this.current || wm === Number.POSITIVE_INFINITY) return null;
    this.current = wm;
    return wm;
  }

  /**
   * Restores the combined watermark `wm` of a checkpoint: every input starts at `wm` (a
   * watermark at or below it is not forwarded again), so lateness is judged as before the crash.
   */
  restoreCurrent(wm: number): void {
    this.current = wm;
    for (let i = 0; i < this.marks.length; i++) {
      if (this.marks[i] !== Number.POSITIVE_INFINITY && this.marks[i] < wm) this.marks[i] = wm;
      if (this.lastFinite[i] < wm) this.lastFinite[i] = wm;
    }
  }
}
