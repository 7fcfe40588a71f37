import { Counter, Gauge, Registry } from "prom-client";
import type { Env } from "../../env/env.js";
import { type EnvStatsSnapshot, envStats, type NodeStatsSnapshot } from "./env-stats.js";

/** A running Env of a stream task, as {@link EnvMetrics} reads it. */
export interface LiveEnv {
  readonly task: string;
  readonly runId: string;
  readonly env: Env;
}

/** Node kinds that hold keyed or window state (others appear in the state gauge only when they hold some). */
const STATEFUL = new Set(["window", "join", "keyedAgg"]);

interface Snap {
  readonly task: string;
  readonly stats: EnvStatsSnapshot;
}

type Emit = (labels: Record<string, string>, value: number) => void;

/**
 * Prometheus metrics (prom-client) of every running Env of a stream task, read **at scrape time**
 * from the Envs' live counters (nothing on the hot path). Series are labelled by `task` and
 * physical `node` (plus `kind`, `operator`, `topic`, `partition` where they apply); a series
 * disappears when its run ends, and a new run starts its counters from 0 (Prometheus' `rate()`
 * treats that as a counter reset). Names (see docs/control-plane.md):
 *
 * - `mass_env_running{task}`: running Envs;
 * - `mass_env_records_in_total`, `mass_env_records_out_total{task,node,kind}`: records per node;
 * - `mass_env_operator_records_in_total`, `mass_env_operator_records_out_total{task,node,operator,kind}`:
 *   records per chained operator (once the runtime reports them);
 * - `mass_env_dead_letters_total`, `mass_env_skipped_records_total`, `mass_env_retries_total{task,node}`;
 * - `mass_env_late_records_total{task,node,outcome}`: late records past allowed lateness, `outcome`
 *   `side_output` or `dropped`;
 * - `mass_env_event_time_lag_seconds{task,node}`: processing time minus the node's watermark;
 * - `mass_env_backpressure_blocked_seconds_total{task,node}`: time blocked by backpressure (once measured);
 * - `mass_env_window_state_entries{task,node}`: keys, windows or records held by stateful nodes;
 * - `mass_kafka_consumer_lag{task,node,topic,partition}`: messages behind the log end, for sources
 *   that report partition lag.
 */
export class EnvMetrics {
  readonly registry: Registry;
  private cache: Snap[] | null = null;

  /**
   * @param live - the running Envs now (called once per scrape).
   * @param registry - where to register (default: a new Registry).
   * @param clock - processing time for the event-time lag, epoch ms.
   */
  constructor(
    private readonly live: () => Iterable<LiveEnv>,
    registry?: Registry,
    private readonly clock: () => number = Date.now,
  ) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry];
    const node = ["task", "node"] as const;
    const self = this;
    const def = (
      kind: "counter" | "gauge",
      name: string,
      help: string,
      labelNames: readonly string[],
      fill: (s: Snap, n: NodeStatsSnapshot, emit: Emit) => void,
    ) => {
      const collect = function (this: Counter | Gauge) {
        this.reset();
        const emit: Emit =
          kind === "counter"
            ? (l, v) => (this as Counter).inc(l, Math.max(0, v))
            : (l, v) => (this as Gauge).inc(l, v);
        for (const s of self.snapshot()) for (const n of s.stats.nodes) fill(s, n, emit);
      };
      const config = { name, help, labelNames: [...labelNames], registers, collect };
      return kind === "counter" ? new Counter(config) : new Gauge(config);
    };
    new Gauge({
      name: "mass_env_running",
      help: "Envs of stream tasks running",
      labelNames: ["task"],
      registers,
      collect() {
        this.reset();
        for (const s of self.snapshot()) this.inc({ task: s.task }, 1);
      },
    });
    const perNode = (n: NodeStatsSnapshot, s: Snap) => ({ task: s.task, node: n.name });
    def(
      "counter",
      "mass_env_records_in_total",
      "Records that entered each node (a source: records read)",
      [...node, "kind"],
      (s, n, emit) => emit({ ...perNode(n, s), kind: n.kind }, n.recordsIn),
    );
    def(
      "counter",
      "mass_env_records_out_total",
      "Records each node emitted (a sink: records written)",
      [...node, "kind"],
      (s, n, emit) => emit({ ...perNode(n, s), kind: n.kind }, n.recordsOut),
    );
    def(
      "counter",
      "mass_env_operator_records_in_total",
      "Records that entered each operator, chained ones included",
      [...node, "operator", "kind"],
      (s, n, emit) => {
        for (const o of n.operators) emit({ ...perNode(n, s), operator: o.name, kind: o.kind }, o.recordsIn);
      },
    );
    def(
      "counter",
      "mass_env_operator_records_out_total",
      "Records each operator emitted, chained ones included",
      [...node, "operator", "kind"],
      (s, n, emit) => {
        for (const o of n.operators) emit({ ...perNode(n, s), operator: o.name, kind: o.kind }, o.recordsOut);
      },
    );
    def(
      "counter",
      "mass_env_dead_letters_total",
      "Records each node sent to the dead letters",
      node,
      (s, n, emit) => emit(perNode(n, s), n.deadLettered),
    );
    def(
      "counter",
      "mass_env_skipped_records_total",
      "Records each node dropped under an onError 'skip' policy",
      node,
      (s, n, emit) => emit(perNode(n, s), n.skipped),
    );
    def(
      "counter",
      "mass_env_retries_total",
      "Retry attempts beyond the first, per node",
      node,
      (s, n, emit) => emit(perNode(n, s), n.retries),
    );
    def(
      "counter",
      "mass_env_late_records_total",
      "Records past allowed lateness: sent to lateRecords() (side_output) or counted and dropped",
      [...node, "outcome"],
      (s, n, emit) => {
        if (n.lateRecords > 0) emit({ ...perNode(n, s), outcome: "side_output" }, n.lateRecords);
        if (n.lateDropped > 0) emit({ ...perNode(n, s), outcome: "dropped" }, n.lateDropped);
      },
    );
    def(
      "gauge",
      "mass_env_event_time_lag_seconds",
      "Processing time minus the node's event-time watermark, seconds",
      node,
      (s, n, emit) => {
        if (n.watermark !== undefined) emit(perNode(n, s), (s.stats.at - n.watermark) / 1000);
      },
    );
    def(
      "counter",
      "mass_env_backpressure_blocked_seconds_total",
      "Time each node spent blocked by backpressure, seconds",
      node,
      (s, n, emit) => {
        if (n.backpressureMs !== undefined) emit(perNode(n, s), n.backpressureMs / 1000);
      },
    );
    def(
      "gauge",
      "mass_env_window_state_entries",
      "Keys, windows or records held in state by each stateful node",
      node,
      (s, n, emit) => {
        if (STATEFUL.has(n.kind) || n.stateSize > 0) emit(perNode(n, s), n.stateSize);
      },
    );
    def(
      "gauge",
      "mass_kafka_consumer_lag",
      "Messages between the last acknowledged offset and the log end, per partition",
      [...node, "topic", "partition"],
      (s, n, emit) => {
        for (const p of n.lag)
          emit({ ...perNode(n, s), topic: p.topic, partition: String(p.partition) }, p.lag);
      },
    );
  }

  /** Snapshots of the running Envs, taken once per scrape (every collect of one scrape shares them). */
  private snapshot(): Snap[] {
    if (this.cache !== null) return this.cache;
    const now = this.clock();
    const out: Snap[] = [];
    for (const l of this.live()) out.push({ task: l.task, stats: envStats(l.env, now) });
    this.cache = out;
    queueMicrotask(() => {
      this.cache = null;
    });
    return out;
  }
}
