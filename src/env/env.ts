import type { Readable } from "node:stream";
import { ConfigError, StateError } from "../errors.js";
import { ArraySink } from "../operators/array-sink.js";
import { AsyncIterableSource } from "../operators/async-iterable-source.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import { IterableSource } from "../operators/iterable-source.js";
import { ReadableSource } from "../operators/readable-source.js";
import type { Sink } from "../operators/sink.js";
import { Source } from "../operators/source.js";
import type { RestoreRequest } from "../runtime/checkpoint/coordinator.js";
import { Job } from "../runtime/job.js";
import type { RuntimeNode } from "../runtime/node.js";
import type { Logger } from "../util/logger.js";
import { checkKeys } from "../util/validate.js";
import { type LogicalEdge, type LogicalKind, LogicalNode, type NodeOperator } from "./graph.js";
import { buildJob, type RuntimeMap } from "./job-builder.js";
import {
  checkNodeOptions,
  type EnvOptions,
  type NodeOptions,
  type ResolvedEnvOptions,
  resolveEnvOptions,
} from "./options.js";
import { Pipeline } from "./pipeline.js";
import { type NodeReport, RunError, type RunReport, type RunStats } from "./report.js";
import { buildReport, groupReport } from "./run-report.js";
import { Stream } from "./stream.js";
import { type Topology, toMermaid, topologyOf } from "./topology.js";

/** Options of `env.run(options)`. */
export interface RunOptions {
  /**
   * Restore operator state and source positions before the first record (needs the Env's
   * `checkpoint` option): `true` for the latest complete checkpoint in the store (none yet: the
   * run starts empty) — or, when sources check what they committed (`Source.restorable`: an
   * exactly-once Kafka source), the newest one every such source accepts, walking the store
   * newest first (docs/checkpoints.md, "Which checkpoint is restored") — or `{ from, allowNonRestoredState }`: `from` a checkpoint or savepoint
   * location (a directory path, as in `report.checkpoints.savepoint`) or id; with
   * `allowNonRestoredState` (Flink's flag), state of operators this job no longer has is
   * dropped instead of failing the run with a StateError naming them. Default: no restore.
   */
  restore?: boolean | { from?: string | number; allowNonRestoredState?: boolean };
}

/** Options of `env.stop(options)`. */
export interface StopOptions {
  /**
   * Take a savepoint first (Flink's stop-with-savepoint): a final checkpoint, kept apart from
   * the last-N rotation; the sources read nothing after its barrier and stop once it is
   * stored; nodes holding state do not flush it (their open windows go on in the run that
   * restores the savepoint). Needs the Env's `checkpoint` option. Default `false`.
   */
  savepoint?: boolean;
}

/** What `env.from()` accepts. */
export type SourceInput<T> = Source<T> | Iterable<T> | AsyncIterable<T> | Readable;

interface RunState {
  readonly index: number;
  readonly job: Job;
  readonly nodes: RuntimeMap;
  /** Lane index of each runtime node in a shard's lanes. */
  readonly lanes: Map<RuntimeNode, number>;
  readonly started: number;
  readonly promise: Promise<RunReport>;
  done: boolean;
  stopped: boolean;
}

/**
 * The job graph and its runner (see docs/runtime.md).
 *
 * ```ts
 * const env = new Env({ batchSize: 1024, highWaterMark: 16 });
 * await env.from(records).filter((r) => r.ok).map((r) => r.value).to(sink);
 * ```
 *
 * Building the graph runs nothing. `env.run()` runs every node added since the previous run
 * (as Flink's `execute()`), and resolves with a {@link RunReport} when every terminal node
 * finished; awaiting a {@link Pipeline} starts the run if needed. Streams of a run that
 * started cannot get new consumers (a {@link ConfigError} says so).
 */
export class Env {
  /** The resolved options. */
  readonly options: ResolvedEnvOptions;
  private readonly nodes: LogicalNode[] = [];
  private readonly byOperator = new Map<object, LogicalNode>();
  private readonly names = new Set<string>();
  private readonly runs: RunState[] = [];
  private nextId = 1;
  private dl: Sink<DeadLetter>;

  /**
   * @param options - see {@link EnvOptions}; defaults merged key by key.
   * @throws ConfigError when an option is out of range.
   */
  constructor(options: EnvOptions = {}) {
    this.options = resolveEnvOptions(options);
    this.dl = this.options.deadLetters;
  }

  /** The Env's name. */
  get name(): string {
    return this.options.name;
  }

  /** The Env's logger. */
  get logger(): Logger {
    return this.options.logger;
  }

  /**
   * Where records set aside by a `'dead-letter'` policy go: a Sink of {@link DeadLetter}s.
   * Default: a `MemoryDeadLetters` (read `env.deadLetters.letters`). Set before running.
   */
  get deadLetters(): Sink<DeadLetter> {
    return this.dl;
  }
  set deadLetters(sink: Sink<DeadLetter>) {
    if (sink === null || typeof (sink as Sink<DeadLetter>).produce !== "function") {
      throw new ConfigError("env.deadLetters must be a Sink (an object with produce(batch))");
    }
    this.dl = sink;
  }

  /**
   * Starts a stream from a {@link Source}, an array or Iterable, an AsyncIterable, or a Node
   * Readable. The same Source instance passed twice is one node (fan-out).
   * @throws ConfigError when `input` is none of these.
   */
  from<T>(input: SourceInput<T>, options?: NodeOptions): Stream<T> {
    const source = toSource(input);
    const existing = this.byOperator.get(source);
    if (existing !== undefined) return new Stream<T>(this, existing, null);
    const node = this.addNode("source", source.name ?? source.constructor.name, source, options, []);
    return new Stream<T>(this, node, null);
  }

  /**
   * Adds a node fed by `inputs` (extension point for node-creating operators; built-ins such
   * as `compute`, `union`, `mapAsync` use it). An operator object already in the graph is
   * reused, making a fan-in.
   * @internal
   */
  addNode(
    kind: LogicalKind,
    operatorName: string,
    operator: NodeOperator,
    options: NodeOptions | undefined,
    inputs: Stream<unknown>[],
  ): LogicalNode {
    let node = operator === null ? undefined : this.byOperator.get(operator);
    if (node === undefined) {
      const opts = checkNodeOptions(kind, options);
      const id = `n${this.nextId++}`;
      const base = opts.name ?? defaultNodeName(kind, operatorName);
      let name = base;
      for (let k = 2; this.names.has(name); k++) name = `${base}#${k}`;
      this.names.add(name);
      node = new LogicalNode(id, kind, name, operator, opts, operatorName);
      this.nodes.push(node);
      if (operator !== null) this.byOperator.set(operator, node);
    } else if (node.kind !== kind) {
      throw new ConfigError(
        `${operatorName} is already used in this Env as a ${node.kind}; use another instance`,
      );
    }
    for (const s of inputs) this.connect(s, node);
    return node;
  }

  /** Connects `stream` into `to` (from the side output `tag` of the stream's node, if given). @internal */
  connect(stream: Stream<unknown>, to: LogicalNode, tag?: string): void {
    if (stream.env !== this) throw new ConfigError("a stream of another Env cannot be connected here");
    const from = stream.node;
    if (from.run !== undefined || to.run !== undefined) {
      throw new ConfigError(
        `cannot connect "${from.name}" to "${to.name}": that part of the graph already ran or is running; ` +
          "build new pipelines from new sources (env.from(...)) or use a new Env",
      );
    }
    const edge: LogicalEdge =
      tag === undefined ? { from, link: stream.link, to } : { from, link: stream.link, to, tag };
    from.outputs.push(edge);
    to.inputs.push(edge);
  }

  /** @internal `stream.to(sink)`. */
  addSink(stream: Stream<unknown>, sink: Sink<unknown>, options?: NodeOptions): Pipeline {
    if (sink === null || typeof sink !== "object" || typeof (sink as Sink<unknown>).produce !== "function") {
      throw new ConfigError(
        `to(sink): sink must be a Sink (an object with produce(batch)), got ${String(sink)}`,
      );
    }
    const node = this.addNode("sink", sink.name ?? sink.constructor.name, sink, options, [stream]);
    return new Pipeline(this, node);
  }

  /** @internal `stream.toArray()`. */
  async collect<T>(stream: Stream<T>): Promise<T[]> {
    const sink = new ArraySink<T>();
    await this.addSink(stream as Stream<unknown>, sink as Sink<unknown>);
    return sink.records;
  }

  /**
   * Runs every node added since the last run; resolves with the {@link RunReport} when all
   * terminal nodes finished. Called while a run is in progress, returns that run's promise.
   * @param options - `restore`: start from a checkpoint or savepoint (see {@link RunOptions}).
   * @throws RunError (an AggregateError of PipelineErrors, with `report`) when nodes failed.
   * @throws StateError when the checkpoint to restore cannot be read or holds state that no
   *   operator of this job claims (the message names them); nothing ran then.
   * @throws ConfigError for `restore` without the Env's `checkpoint` option, or a misspelt option.
   */
  run(options: RunOptions = {}): Promise<RunReport> {
    checkKeys("env.run(options)", options, ["restore"]);
    const restore = restoreRequest(options.restore);
    if (restore !== null && this.options.checkpoint === null) {
      return Promise.reject(
        new ConfigError(
          `env "${this.name}": run({ restore }) needs checkpoints: new Env({ checkpoint: { store: "./checkpoints" } })`,
          { option: "restore" },
        ),
      );
    }
    const current = this.runs.at(-1);
    if (current !== undefined && !current.done) return current.promise;
    const pending = this.nodes.filter((n) => n.run === undefined);
    if (pending.length === 0) {
      if (current !== undefined) return current.promise;
      return Promise.reject(
        new ConfigError(`env "${this.name}" has nothing to run: add a source with env.from(...)`),
      );
    }
    return this.start(pending, restore).promise;
  }

  /**
   * Graceful stop of the current run: sources read no more (a `consume()` that is waiting for
   * data is abandoned at once: the source's `ctx.signal` aborts, an async iterable's `return()`
   * is called), records in flight drain to the sinks, every `cleanup()` runs once, and `run()`
   * resolves with status `stopped`.
   *
   * @returns a promise of the run's end: the {@link RunReport} (status `stopped`, or `failed`
   * when nodes failed meanwhile; `run()` then rejects with the {@link RunError}). It never
   * rejects, so calling `stop()` without awaiting is fine. When the last run already ended, it
   * resolves with that run's report; before the first run, with `undefined`.
   */
  stop(options: StopOptions = {}): Promise<RunReport | undefined> {
    checkKeys("env.stop(options)", options, ["savepoint"]);
    const current = this.runs.at(-1);
    if (options.savepoint === true) return this.stopWithSavepoint(current);
    if (current === undefined) return Promise.resolve(undefined);
    if (!current.done) {
      current.stopped = true;
      current.job.stop();
    }
    return this.endOf(current);
  }

  private endOf(current: RunState): Promise<RunReport | undefined> {
    return current.promise.then(
      (report) => report,
      (err: unknown) => (err instanceof RunError ? err.report : undefined),
    );
  }

  /**
   * `stop({ savepoint: true })`: the savepoint, then the end of the run (status `stopped`,
   * `report.checkpoints.savepoint` its location). Unlike a plain stop it rejects — and the run
   * goes on — when the savepoint cannot be taken or stored.
   */
  private async stopWithSavepoint(current: RunState | undefined): Promise<RunReport | undefined> {
    const cp = current?.job.checkpoints ?? null;
    if (this.options.checkpoint === null || current === undefined || cp === null) {
      throw new ConfigError(
        this.options.checkpoint === null
          ? `env "${this.name}": stop({ savepoint: true }) needs checkpoints: new Env({ checkpoint: { store: "./checkpoints" } })`
          : `env "${this.name}": stop({ savepoint: true }): no run in progress`,
        { option: "savepoint" },
      );
    }
    if (current.done) {
      throw new StateError(`env "${this.name}": stop({ savepoint: true }): the run already ended`);
    }
    await cp.savepoint(true);
    current.stopped = true;
    current.job.stop();
    return this.endOf(current);
  }

  /**
   * @internal the promise behind a Pipeline. Starts the run on a microtask, never synchronously
   * inside `then()`: `src.to(a).then(...)` followed by `src.to(b)` puts both in one run.
   */
  async awaitSink(node: LogicalNode): Promise<NodeReport> {
    await null;
    if (node.run === undefined) {
      const current = this.runs.at(-1);
      if (current !== undefined && !current.done) await current.promise.catch(() => {});
      if (node.run === undefined) this.run().catch(() => {});
    }
    const state = this.runs[node.run!];
    const rns = state.nodes.get(node)!;
    await Promise.all(rns.map((rn) => rn.completion));
    for (const rn of rns) if (rn.status === "failed") throw rn.error;
    for (const rn of rns) if (rn.status === "cancelled") throw rn.cancelReason;
    return groupReport(node.name, node.id, rns);
  }

  /**
   * @internal Ends the pipeline into sink `node` early (its consumer went away: a
   * `toAsyncIterable()` loop that broke out): the sink's nodes are cancelled with `reason`, the
   * nodes above left with no live output too (their `cleanup()` runs), other pipelines run on,
   * and the run's status becomes `stopped`. Resolves once those nodes settled.
   */
  async closePipeline(node: LogicalNode, reason: Error): Promise<void> {
    if (node.run === undefined) return;
    const state = this.runs[node.run];
    const sinks = state.nodes.get(node) ?? [];
    if (sinks.some((rn) => !rn.settled)) state.stopped = true;
    for (const rn of sinks) rn.cancel(reason);
    const above = new Set<RuntimeNode>();
    const visit = (rn: RuntimeNode) => {
      for (const u of rn.upstream) {
        if (above.has(u)) continue;
        above.add(u);
        visit(u);
      }
    };
    for (const rn of sinks) visit(rn);
    const ended = [...sinks, ...[...above].filter((rn) => rn.status === "cancelled")];
    await Promise.all(ended.map((rn) => rn.completion));
  }

  /**
   * The physical nodes of the current (or last) run, for test kits and introspection.
   * @internal
   */
  runtimeNodes(): readonly RuntimeNode[] {
    return this.runs.at(-1)?.job.nodes ?? [];
  }

  /**
   * Live counters of the current run (or the last one, once it settled): the {@link RunReport}
   * shape — per physical node (lanes included) and per operator (fused stages included) —
   * read now. Cheap enough to poll (it walks the nodes; the hot loop only keeps counters).
   * `undefined` before the first run. See docs/runtime.md, "Visibility".
   */
  stats(): RunStats | undefined {
    const current = this.runs.at(-1);
    if (current === undefined) return undefined;
    const job = current.job;
    let status: RunStats["status"] = "running";
    if (current.done) status = job.errors().length > 0 ? "failed" : current.stopped ? "stopped" : "finished";
    const duration = current.done ? job.durationMs : performance.now() - current.started;
    const report = buildReport(this.name, job, "finished", current.lanes, duration);
    return { ...report, status, run: current.index };
  }

  /**
   * The job graph (physical nodes — lanes of shards included — and edges, each edge with the
   * stages fused onto it) and the stream graph (every operator, with the node it is chained
   * into). Available before running.
   */
  topology(): Topology {
    return topologyOf(this.nodes);
  }

  /** The job graph as a Mermaid flowchart (paste into Markdown). */
  toMermaid(): string {
    return toMermaid(this.topology());
  }

  private start(pending: LogicalNode[], restore: RestoreRequest | null): RunState {
    const index = this.runs.length;
    const o = this.options;
    const job = new Job({
      envName: o.name,
      logger: o.logger,
      onError: o.onError,
      deadLetters: this.dl,
      checkpoint: o.checkpoint,
      restore,
    });
    for (const n of pending) {
      n.run = index;
      if (n.kind !== "sink" && n.outputs.length === 0) {
        o.logger.warn({ node: n.name }, "node has no consumer: its output is discarded (add .to(sink))");
      }
    }
    const { nodes: map, lanes } = buildJob(pending, o, job);
    const state: RunState = {
      index,
      job,
      nodes: map,
      lanes,
      started: performance.now(),
      promise: Promise.resolve(undefined as never),
      done: false,
      stopped: false,
    };
    this.runs.push(state);
    const promise = job.run().then(() => {
      state.done = true;
      const report = buildReport(o.name, job, state.stopped ? "stopped" : "finished", lanes, job.durationMs);
      const errors = job.errors();
      if (errors.length > 0) throw new RunError(errors, { ...report, status: "failed" });
      return report;
    });
    // a restore that failed before any node ran (StateError) ends the run too
    promise.catch(() => {
      state.done = true;
    });
    (state as { promise: Promise<RunReport> }).promise = promise;
    return state;
  }
}

function restoreRequest(r: RunOptions["restore"]): RestoreRequest | null {
  if (r === undefined || r === false) return null;
  if (r === true) return { allowNonRestoredState: false };
  if (typeof r !== "object" || r === null) {
    throw new ConfigError(
      `env.run(options): options.restore must be true or { from?, allowNonRestoredState? }, got ${String(r)}`,
      { option: "restore" },
    );
  }
  checkKeys("env.run(options).restore", r, ["from", "allowNonRestoredState"]);
  const out: { from?: string; allowNonRestoredState: boolean } = {
    allowNonRestoredState: r.allowNonRestoredState === true,
  };
  if (r.from !== undefined) out.from = String(r.from);
  return out;
}

/**
 * A node's default name: `kind:operator` (`source:jsonl`, `sink:array`, `compute:Enrich`), or
 * the operator's own name when it already says its kind (`window:tumbling`, `mapAsync`,
 * `union`, `shard`).
 */
function defaultNodeName(kind: string, operatorName: string): string {
  return operatorName === kind || operatorName.startsWith(`${kind}:`)
    ? operatorName
    : `${kind}:${operatorName}`;
}

function toSource<T>(input: SourceInput<T>): Source<T> {
  if (input instanceof Source) return input;
  if (input !== null && typeof input === "object") {
    const i = input as object;
    if (typeof (i as Readable).read === "function" && typeof (i as Readable).on === "function") {
      return new ReadableSource<T>(input as Readable);
    }
    if (typeof (i as Iterable<T>)[Symbol.iterator] === "function")
      return new IterableSource(input as Iterable<T>);
    if (typeof (i as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
      return new AsyncIterableSource(input as AsyncIterable<T>);
    }
    if (typeof (i as Source<T>).consume === "function") return input as unknown as Source<T>;
  }
  throw new ConfigError(
    `env.from(input): input must be a Source, an Iterable (array, generator), an AsyncIterable or a Readable, got ${typeof input}`,
  );
}
