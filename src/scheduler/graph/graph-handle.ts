import type { EventEmitter } from "node:events";
import { ConfigError, TaskError } from "../../errors.js";
import { checkKeys } from "../../util/validate.js";
import {
  AtTrigger,
  CronTrigger,
  EmitterTrigger,
  EveryTrigger,
  earliestFireAt,
  SignalTrigger,
  type Trigger,
} from "../triggers.js";
import type { Graph } from "./graph.js";
import type { GraphRunner } from "./graph-runner.js";
import type { GraphInstanceRecord, RerunKind } from "./graph-types.js";
import { graphMermaid } from "./mermaid.js";

/** What a graph handle needs from its scheduler. @internal */
export interface GraphHandleHost {
  /** @throws LifecycleError when the scheduler is stopping or stopped. */
  assertAccepting(action: string): void;
  addGraphTrigger(runner: GraphRunner, t: Trigger): void;
  /** Pauses or resumes the node runs of the graph (running ones wait at `proceed()`). */
  pauseGraph(runner: GraphRunner, paused: boolean): void;
}

/**
 * What `scheduler.spawnGraph(graph)` returns: triggers that make instances (`sched`, `at`,
 * `every`, `atEvery`, `on`, chainable as a task's), control (`pause`, `resume`, `stop`,
 * `stopInstance`, the three reruns) and reads (`instances`, `instance`, `whenDone`,
 * `toMermaid`). Reads return copies: changing them changes nothing. This is the API the control
 * plane calls (see docs/scheduler.md, "Execution graphs").
 */
export class GraphHandle {
  /** @internal */
  constructor(
    private readonly host: GraphHandleHost,
    /** @internal */ readonly runner: GraphRunner,
  ) {}

  /** The graph's id. */
  get id(): string {
    return this.runner.graph.id;
  }

  /** The graph definition. */
  get graph(): Graph {
    return this.runner.graph;
  }

  /** Nodes in topological order. */
  get order(): readonly string[] {
    return this.runner.order;
  }

  /** Whether `pause()` holds it. */
  get paused(): boolean {
    return this.runner.paused;
  }

  /** Whether `stop()` was called: it makes no new instance. */
  get stopped(): boolean {
    return this.runner.stopped;
  }

  /** Its triggers, one line each (`"every 60000 ms"`, `"cron 0 3 * * * (UTC)"`, `"signal etl"`). */
  get triggers(): string[] {
    return this.runner.triggers.map((t) => t.describe());
  }

  /** The earliest next fire time of its armed time triggers (epoch ms), or `undefined`. */
  get nextFireAt(): number | undefined {
    return earliestFireAt(this.runner.triggers);
  }

  /**
   * A new instance now, with `input` (JSON; the input of the nodes without upstream).
   * @returns the instance id.
   * @throws LifecycleError when the scheduler is stopping or stopped; TaskError when the graph is stopped.
   */
  sched(input?: unknown): string {
    this.host.assertAccepting(`make an instance of graph "${this.id}"`);
    if (this.runner.stopped) throw new TaskError(`graph "${this.id}" is stopped: it makes no new instance`);
    return this.runner.create(input, null);
  }

  /** An instance once at `date` (at start if it is already past). */
  at(date: Date | number): this {
    const t = typeof date === "number" ? date : date.getTime();
    if (!Number.isFinite(t)) throw new ConfigError(`at(date): not a valid date: ${String(date)}`);
    return this.add(new AtTrigger(t));
  }

  /** An instance every `ms` milliseconds. @throws ConfigError unless `ms` is a positive integer. */
  every(ms: number): this {
    if (!Number.isInteger(ms) || ms <= 0)
      throw new ConfigError(`every(ms): ms must be a positive integer, got ${ms}`);
    return this.add(new EveryTrigger(ms));
  }

  /** An instance on a cron schedule in `tz` (as a task's `atEvery`). @throws ConfigError for a bad expression or time zone. */
  atEvery(cron: string, options: { tz?: string } = {}): this {
    checkKeys(`atEvery(${JSON.stringify(cron)}, options)`, options, ["tz"]);
    return this.add(new CronTrigger(cron, options?.tz));
  }

  /** Alias of {@link GraphHandle.atEvery} (the original design's spelling). */
  at_every(cron: string, options: { tz?: string } = {}): this {
    return this.atEvery(cron, options);
  }

  /** An instance on a named scheduler signal, or on an EventEmitter event; the payload is its input. */
  on(signal: string): this;
  on(emitter: EventEmitter | NodeJS.Process, event: string): this;
  on(a: string | EventEmitter | NodeJS.Process, event?: string): this {
    if (typeof a === "string") return this.add(new SignalTrigger(a));
    if (typeof event !== "string") throw new ConfigError("on(emitter, event): event must be a string");
    return this.add(new EmitterTrigger(a, event));
  }

  /** No new node run starts and fires are skipped; running node runs wait at their next `proceed()`. */
  pause(): void {
    this.host.pauseGraph(this.runner, true);
  }

  /** Resumes after `pause()`. */
  resume(): void {
    this.host.pauseGraph(this.runner, false);
  }

  /** Stops the graph for good: triggers removed, unfinished instances stopped. Resolves when they are. */
  async stop(reason?: Error): Promise<void> {
    this.runner.stopped = true;
    for (const t of this.runner.triggers) t.disarm();
    await Promise.all(this.runner.instances().map((r) => this.runner.stopInstance(r.id, reason)));
  }

  /**
   * Instances kept in the store (newest first), optionally only those in `status`, at most
   * `limit` (default all).
   */
  instances(filter: { status?: GraphInstanceRecord["status"]; limit?: number } = {}): GraphInstanceRecord[] {
    checkKeys("instances(filter)", filter, ["status", "limit"]);
    const all = this.runner.instances();
    const kept = filter.status === undefined ? all : all.filter((r) => r.status === filter.status);
    return structuredClone(filter.limit === undefined ? kept : kept.slice(0, filter.limit));
  }

  /** One instance with its node states, or undefined. */
  instance(id: string): GraphInstanceRecord | undefined {
    const r = this.runner.instance(id);
    return r === undefined ? undefined : structuredClone(r);
  }

  /** Resolves with the instance once it is finished (succeeded, failed or stopped). */
  async whenDone(id: string): Promise<GraphInstanceRecord> {
    return structuredClone(await this.runner.whenDone(id));
  }

  /**
   * Reruns part of a finished instance, in place (manual, unlike retries): `"node"` that node
   * only; `"downstream"` it and everything downstream; `"failed"` every failed node, node skipped
   * because an upstream failed, stopped node or node that never ran, reusing the outputs of the
   * succeeded ones. Other instances are untouched.
   * @returns the nodes that will run again.
   * @throws TaskError when the instance is unknown or not finished; ConfigError for a bad kind or node.
   */
  rerun(instanceId: string, kind: RerunKind, node?: string): string[] {
    this.host.assertAccepting(`rerun graph instance "${instanceId}"`);
    return this.runner.rerun(instanceId, kind, node);
  }

  /** Stops one unfinished instance (queued nodes never run, running ones are stopped). Resolves when it is. */
  stopInstance(instanceId: string, reason?: Error): Promise<void> {
    return this.runner.stopInstance(instanceId, reason);
  }

  /** The graph as a Mermaid flowchart; with an instance id, its node states too. */
  toMermaid(instanceId?: string): string {
    if (instanceId === undefined) return this.graph.toMermaid();
    const r = this.runner.instance(instanceId);
    if (r === undefined) throw new TaskError(`toMermaid: no instance "${instanceId}" in graph "${this.id}"`);
    return graphMermaid(this.graph, r);
  }

  private add(t: Trigger): this {
    this.host.addGraphTrigger(this.runner, t);
    return this;
  }
}
