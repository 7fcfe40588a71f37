import { Env } from "../env/env.js";
import type { EnvOptions } from "../env/options.js";
import type { RunReport } from "../env/report.js";
import type { Stream } from "../env/stream.js";
import { ConfigError } from "../errors.js";
import { ArraySink } from "../operators/array-sink.js";
import { Source } from "../operators/source.js";
import { VirtualClock } from "../util/virtual-clock.js";

interface Timed<T> {
  v: T;
  ts: number;
}

/** An input the harness feeds by hand: records with timestamps, and watermarks. */
class HarnessSource<T> extends Source<Timed<T>> {
  override name: string;
  private items: Timed<T>[] = [];
  private wm = Number.NEGATIVE_INFINITY;
  private pendingWm = Number.NEGATIVE_INFINITY;
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(name: string) {
    super();
    this.name = name;
  }

  push(v: T, ts: number): void {
    this.items.push({ v, ts });
    this.kick();
  }

  watermark(ts: number): void {
    this.pendingWm = Math.max(this.pendingWm, ts);
    this.kick();
  }

  end(): void {
    this.ended = true;
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  override currentWatermark(): number | undefined {
    return this.wm;
  }

  async consume(): Promise<Timed<T>[] | null> {
    for (;;) {
      if (this.items.length > 0) return this.items.splice(0);
      if (this.pendingWm > this.wm) {
        this.wm = this.pendingWm;
        return [];
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/**
 * A deterministic test driver for jobs (in the spirit of Kafka Streams' TopologyTestDriver and
 * Flink's operator test harnesses): named inputs fed by hand with records and their event
 * times, watermarks advanced by hand, processing time on a {@link VirtualClock} (no real
 * timers), what each output received so far, and the state held.
 *
 * ```ts
 * const h = new TestHarness();
 * const clicks = h.input<Click>("clicks");
 * h.output("counts", clicks.keyBy((c) => c.user).window(tumbling(1000)).agg({ n: count() }));
 * h.start();
 * await h.push("clicks", { user: "a" }, 10);
 * await h.watermark("clicks", 999);
 * expect(h.received("counts")).toEqual([{ key: "a", window: { start: 0, end: 1000 }, n: 1 }]);
 * await h.finish();
 * ```
 */
export class TestHarness {
  /** The Env the job is built on. */
  readonly env: Env;
  /** Processing time: advance with {@link TestHarness.advanceTime}. */
  readonly clock: VirtualClock;
  private readonly inputs = new Map<string, HarnessSource<unknown>>();
  private readonly outputs = new Map<string, ArraySink<unknown>>();
  private running: Promise<RunReport> | null = null;

  /** @param options - Env options (the clock is the harness's). */
  constructor(options: Omit<EnvOptions, "clock"> & { startTime?: number } = {}) {
    const { startTime, ...envOptions } = options;
    this.clock = new VirtualClock(startTime ?? 0);
    this.env = new Env({ batchSize: 64, ...envOptions, clock: this.clock });
  }

  /**
   * A named input: a Stream of the records you `push`, with the event time you give them
   * (watermarks only from `watermark()`).
   */
  input<T>(name: string): Stream<T> {
    if (this.inputs.has(name)) throw new ConfigError(`TestHarness: input "${name}" exists already`);
    const src = new HarnessSource<T>(name);
    this.inputs.set(name, src as HarnessSource<unknown>);
    return this.env
      .from(src, { name: `input:${name}` })
      .withTimestamps((x) => x.ts, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
      .map((x) => x.v);
  }

  /**
   * Collects `stream` under `name` (read with {@link TestHarness.received}). Declare as many
   * outputs as the job has, before the first `start()`, `push()`, `watermark()` or
   * `advanceTime()` (which start the job).
   * @throws ConfigError when `name` is taken, or when the job already started.
   */
  output<T>(name: string, stream: Stream<T>): void {
    if (this.outputs.has(name)) throw new ConfigError(`TestHarness: output "${name}" exists already`);
    if (this.running !== null) {
      throw new ConfigError(
        `TestHarness: output "${name}" declared after the job started; declare every output first`,
      );
    }
    const sink = new ArraySink<T>();
    stream.to(sink, { name: `output:${name}` });
    this.outputs.set(name, sink as ArraySink<unknown>);
  }

  /** Starts the job (after inputs and outputs are declared). */
  start(): void {
    if (this.running !== null) return;
    this.running = this.env.run();
    this.running.catch(() => {});
  }

  private source(name: string): HarnessSource<unknown> {
    const s = this.inputs.get(name);
    if (s === undefined)
      throw new ConfigError(
        `TestHarness: no input "${name}"; declared: ${[...this.inputs.keys()].join(", ")}`,
      );
    return s;
  }

  /** Pushes a record with event time `ts` (ms) into an input, then lets the job settle. */
  async push<T>(name: string, record: T, ts: number): Promise<void> {
    this.start();
    this.source(name).push(record, ts);
    await this.settle();
  }

  /** Advances an input's watermark to `ts`, then lets the job settle. */
  async watermark(name: string, ts: number): Promise<void> {
    this.start();
    this.source(name).watermark(ts);
    await this.settle();
  }

  /** Advances processing time by `ms` (runs the timers due), then lets the job settle. */
  async advanceTime(ms: number): Promise<void> {
    this.start();
    await this.clock.advance(ms);
    await this.settle();
  }

  /** What output `name` received so far, in arrival order. */
  received<T>(name: string): T[] {
    const s = this.outputs.get(name);
    if (s === undefined) throw new ConfigError(`TestHarness: no output "${name}"`);
    return s.records as T[];
  }

  /** Keys, windows or records held in state by the job's stateful nodes (windows, joins, keyed aggregations). */
  stateSize(): number {
    let n = 0;
    for (const node of this.env.runtimeNodes()) n += node.stateCount;
    return n;
  }

  /** Lets queued work run (a fixed number of event-loop turns; no timers fire). */
  async settle(): Promise<void> {
    for (let i = 0; i < 40; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Ends every input (watermark +Infinity: every window fires) and waits for the run's report. */
  async finish(): Promise<RunReport> {
    this.start();
    for (const s of this.inputs.values()) s.end();
    return this.running!;
  }
}
