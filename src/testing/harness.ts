import v8 from "node:v8";
import { Env } from "../env/env.js";
import type { EnvOptions } from "../env/options.js";
import type { RunReport } from "../env/report.js";
import type { Stream } from "../env/stream.js";
import { ConfigError, StateError } from "../errors.js";
import { ArraySink } from "../operators/array-sink.js";
import { Source } from "../operators/source.js";
import { isSnapshottable, type Snapshottable } from "../runtime/checkpoint/snapshot-types.js";
import type { RuntimeNode } from "../runtime/node.js";
import { decodePart } from "../states/checkpoints/codec.js";
import { encodePlain } from "../states/checkpoints/plain-codec.js";
import { VirtualClock } from "../util/virtual-clock.js";

interface Timed<T> {
  v: T;
  ts: number;
}

/**
 * A checkpoint of a {@link TestHarness}'s job (`harness.checkpoint()`): the serialized state of
 * its stateful nodes and inputs, and the virtual clock's time (ms). Opaque: give it to
 * `new TestHarness({ restore })`.
 */
export interface HarnessCheckpoint {
  /** The virtual clock's time when it was taken (ms); the restored harness starts there. */
  readonly time: number;
  /**
   * The nodes' states (by node id, each serialized as a checkpoint store writes a part) and the
   * inputs' watermarks, in `v8.serialize`'s format.
   */
  readonly bytes: Uint8Array;
}

/** Restores `cp` into the nodes of a freshly started job and its inputs. */
function restoreCheckpoint(
  cp: HarnessCheckpoint,
  nodes: readonly RuntimeNode[],
  inputs: Map<string, HarnessSource<unknown>>,
): void {
  const data = v8.deserialize(cp.bytes) as {
    nodes: [string, string, Uint8Array][];
    inputs: [string, { wm: number; pendingWm: number }][];
  };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const unclaimed = data.nodes.filter(([id]) => {
    const n = byId.get(id);
    return n === undefined || !isSnapshottable(n);
  });
  if (unclaimed.length > 0) {
    throw new StateError(
      `TestHarness: the checkpoint holds state of ${unclaimed.map(([id, name]) => `"${name}" (${id})`).join(", ")}, which this job does not have: restore into the same job, built in the same order`,
    );
  }
  for (const [id, , bytes] of data.nodes) {
    const n = byId.get(id) as RuntimeNode & Snapshottable;
    n.restoreState(decodePart(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  }
  for (const [name, pos] of data.inputs) inputs.get(name)?.restore(pos);
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

  /**
   * Whether the job has not read everything given to this input yet: records pushed, or a
   * watermark (after an empty read the source node waits 1 ms of real time before it reads
   * again, longer than a few event-loop turns).
   */
  get pending(): boolean {
    return this.items.length > 0 || this.pendingWm > this.wm;
  }

  /** The input's watermark state, for a harness checkpoint. */
  position(): { wm: number; pendingWm: number } {
    return { wm: this.wm, pendingWm: this.pendingWm };
  }

  /** Restores {@link HarnessSource.position}. */
  restore(p: { wm: number; pendingWm: number }): void {
    this.wm = p.wm;
    this.pendingWm = p.pendingWm;
  }

  async consume(size: number): Promise<Timed<T>[] | null> {
    for (;;) {
      if (this.items.length > 0) return this.items.splice(0, size);
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
  /** Whether the run settled (finished, stopped or failed). */
  private ended = false;

  private readonly restoreFrom: HarnessCheckpoint | null;

  /**
   * @param options - Env options (the clock is the harness's); `startTime` of the virtual clock
   *   (ms, default 0, or the checkpoint's clock time); `restore`: a checkpoint taken by
   *   {@link TestHarness.checkpoint} of a harness running the same job (built the same way, so its
   *   nodes have the same ids), restored when the job starts.
   */
  constructor(options: Omit<EnvOptions, "clock"> & { startTime?: number; restore?: HarnessCheckpoint } = {}) {
    const { startTime, restore, ...envOptions } = options;
    this.restoreFrom = restore ?? null;
    this.clock = new VirtualClock(startTime ?? restore?.time ?? 0);
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

  /**
   * Starts the job (after inputs and outputs are declared), restoring the checkpoint given as
   * `restore` if any.
   * @throws StateError when the checkpoint holds state of a node this job does not have (the job
   *   changed: the message names the nodes), or a node cannot read its state.
   */
  start(): void {
    if (this.running !== null) return;
    this.running = this.env.run();
    this.running.then(
      () => {
        this.ended = true;
      },
      () => {
        this.ended = true;
      },
    );
    if (this.restoreFrom !== null) {
      try {
        restoreCheckpoint(this.restoreFrom, this.env.runtimeNodes(), this.inputs);
      } catch (err) {
        void this.env.stop();
        throw err;
      }
    }
  }

  /**
   * Takes a checkpoint of the running job once it settled (every record pushed so far went
   * through): the state of every stateful node (windows, keyed aggregations, joins, watermark
   * generators: their `snapshotState()`, your aggregators' `snapshot()` inside), the inputs'
   * watermarks and the virtual clock's time, each node's state serialized as a checkpoint store
   * writes it (src/states/checkpoints/codec.ts). Restore it with `new TestHarness({ restore: cp })` on the same job, push the
   * rest of the input there: its outputs go on where this harness's stopped, exactly as if
   * nothing happened (what a property of your aggregator's `snapshot`/`restore` can check). This
   * harness goes on running.
   * @throws StateError naming the node whose state cannot be serialized.
   */
  async checkpoint(): Promise<HarnessCheckpoint> {
    this.start();
    await this.settle();
    const nodes: [string, string, unknown][] = [];
    for (const node of this.env.runtimeNodes()) {
      if (!isSnapshottable(node)) continue;
      const state = node.snapshotState();
      if (state === undefined) continue;
      let bytes: Uint8Array;
      try {
        bytes = encodePlain(state) ?? v8.serialize(state);
      } catch (err) {
        throw new StateError(
          `TestHarness.checkpoint(): the state of node "${node.name}" cannot be serialized (${(err as Error).message}): an aggregator's snapshot() must return plain data`,
          { node: node.name, cause: err },
        );
      }
      nodes.push([node.id, node.name, bytes]);
    }
    const inputs = [...this.inputs].map(([name, src]) => [name, src.position()] as const);
    return { time: this.clock.now(), bytes: v8.serialize({ nodes, inputs }) };
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

  /**
   * Pushes many `[record, ts]` pairs (event time in ms) into an input at once, then lets the job
   * settle: the job reads them in batches of the Env's `batchSize`.
   */
  async pushAll<T>(name: string, entries: Iterable<readonly [T, number]>): Promise<void> {
    this.start();
    const src = this.source(name);
    for (const [record, ts] of entries) src.push(record, ts);
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
    const turn = () => new Promise<void>((r) => setImmediate(r));
    for (let i = 0; i < 40; i++) await turn();
    // a large pushAll, or a watermark after an empty read, takes more turns: go on until every
    // input handed out what it was given
    while (this.running !== null && !this.ended && [...this.inputs.values()].some((s) => s.pending)) {
      for (let i = 0; i < 40; i++) await turn();
    }
  }

  /** Ends every input (watermark +Infinity: every window fires) and waits for the run's report. */
  async finish(): Promise<RunReport> {
    this.start();
    for (const s of this.inputs.values()) s.end();
    return this.running!;
  }
}
