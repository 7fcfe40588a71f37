import { StateAggregator } from "../../src/index.js";

/**
 * The records with the largest `score` (all of them when several tie), in arrival order: SQL's
 * `... JOIN (SELECT max(x) ...) ON x >= maxx`, or `RANK() ... = 1`. An aggregator written the
 * original design's way (only collect and yield; its state is its own fields), constructed per
 * key and window by `use(TopTies, score)`.
 */
export class TopTies<T> extends StateAggregator<T, T[]> {
  best = Number.NEGATIVE_INFINITY;
  ties: T[] = [];

  constructor(private readonly score: (r: T) => number) {
    super();
  }

  collect(r: T): void {
    const s = this.score(r);
    if (s > this.best) {
      this.best = s;
      this.ties = [r];
    } else if (s === this.best) this.ties.push(r);
  }

  yield(): T[] {
    return this.ties;
  }
}
