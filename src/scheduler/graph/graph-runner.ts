import { TaskError, TaskStoppedError } from "../../errors.js";
import type { SchedulerContext } from "../context.js";
import { toJson } from "../store/to-json.js";
import { applyConfigStyle, taskImpl } from "../task-impl.js";
import { resolveTaskOptions } from "../task-options.js";
import type { RunOwner, TaskDef, TaskRun } from "../task-run.js";
import type { Trigger } from "../triggers.js";
import type { Graph } from "./graph.js";
import { finalStatus, progress } from "./graph-progress.js";
import type {
  GraphInstanceRecord,
  GraphInstanceStatus,
  GraphNodeRecord,
  GraphNodeStatus,
  GraphRunContext,
  RerunKind,
} from "./graph-types.js";
import { adaptToGraph, FINAL, pruneFinished } from "./instance-store.js";
import { ReadyQueue } from "./ready-queue.js";
import { rerunPlan } from "./rerun-plan.js";

/** What a graph runner needs from its scheduler. @internal */
export interface GraphHost {
  readonly ctx: SchedulerContext;
  /** Queues a run of a node's task owned by the runner. */
  enqueueOwned(
    def: TaskDef,
    input: unknown,
    firedAt: number,
    owner: RunOwner,
    graph: GraphRunContext,
  ): TaskRun;
  /** Removes a run that has not started (its owner hears `dropped`); false if it is not waiting. */
  cancelRun(run: TaskRun): boolean;
  /** Stops a running run (its owner hears `stopped`). */
  stopRun(run: TaskRun, err: Error): void;
  /** Whether the scheduler has loaded its store (instances live in it). */
  loaded(): boolean;
}

/**
 * Runs the instances of one spawned graph: creates them, starts each node once its upstreams are
 * done (in the scheduler's queue, within the graph's `maxParallel`), records every state change
 * in the task store, continues unfinished instances after a restart (nodes that were running run
 * again; succeeded ones do not), and makes reruns and stops.
 * @internal
 */
export class GraphRunner implements RunOwner {
  /** The nodes in topological order. */
  readonly order: string[];
  readonly triggers: Trigger[] = [];
  paused = false;
  stopped = false;
  private readonly defs = new Map<string, TaskDef>();
  /** Unfinished instances of this graph by id. */
  private readonly live = new Map<string, GraphInstanceRecord>();
  /** Instances made before the store was loaded (inserted into it at start). */
  private readonly early: GraphInstanceRecord[] = [];
  /** Node runs queued or running, by their node's record. */
  private readonly runs = new Map<GraphNodeRecord, TaskRun>();
  /** How many of them each instance has. */
  private readonly flight = new Map<string, number>();
  private readonly ready = new ReadyQueue();
  private readonly stopping = new Set<string>();
  private readonly doneWaiters = new Map<string, ((r: GraphInstanceRecord) => void)[]>();
  private counter = 0;
  /** Finished instances of this graph in the store (counted at the first prune). */
  private finishedCount = -1;
  private readonly tag = Date.now().toString(36);

  constructor(
    private readonly host: GraphHost,
    readonly graph: Graph,
  ) {
    this.order = graph.validate();
    for (const n of graph.nodes) {
      const id = `${graph.id}/${n.name}`;
      const { impl, defaultId } = taskImpl(n.task, id);
      applyConfigStyle(impl, n.task, undefined, id, defaultId);
      const options = resolveTaskOptions(id, {
        retry: n.retry,
        ...(n.timeoutMs === undefined ? {} : { timeoutMs: n.timeoutMs }),
        priority: graph.priority,
        overlap: "allow",
      });
      this.defs.set(n.name, {
        task: impl,
        options,
        paused: false,
        stopped: false,
        active: 0,
        runningCount: 0,
        parked: [],
        triggers: [],
        latest: null,
      });
    }
  }

  private get ctx(): SchedulerContext {
    return this.host.ctx;
  }

  private get store(): Record<string, GraphInstanceRecord> {
    const s = this.ctx.persistence.state;
    s.graphs ??= {};
    return s.graphs;
  }

  /** The task definitions of the nodes (for pause, resume and the scheduler's stop). */
  nodeDefs(): TaskDef[] {
    return [...this.defs.values()];
  }

  /** Every instance of this graph in the store, newest first. */
  instances(): GraphInstanceRecord[] {
    const all = this.host.loaded()
      ? Object.values(this.store).filter((r) => r.graphId === this.graph.id)
      : [];
    return [...all, ...this.early].sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1));
  }

  /** One instance, or undefined. */
  instance(id: string): GraphInstanceRecord | undefined {
    const r = this.live.get(id) ?? (this.host.loaded() ? this.store[id] : undefined);
    return r?.graphId === this.graph.id ? r : undefined;
  }

  /** Whether an instance of this graph is unfinished. */
  busy(): boolean {
    return this.live.size > 0;
  }

  /** A new instance with `input` (JSON); its root nodes start at once. @returns its id. */
  create(input: unknown, firedAt: number | null): string {
    const now = this.ctx.clock.now();
    const id = `${this.graph.id}:${this.tag}-${++this.counter}`;
    const nodes: Record<string, GraphNodeRecord> = {};
    for (const n of this.order) nodes[n] = { status: "waiting", runs: 0, attempts: 0 };
    const rec: GraphInstanceRecord = {
      id,
      graphId: this.graph.id,
      status: "waiting",
      input: toJson(input),
      firedAt: firedAt ?? now,
      createdAt: now,
      reruns: 0,
      nodes,
    };
    if (this.host.loaded()) this.store[id] = rec;
    else this.early.push(rec);
    this.live.set(id, rec);
    this.emit(rec, undefined, "waiting", "instance created");
    this.advance(rec);
    this.save();
    return id;
  }

  /** After the store is loaded: adopts instances made before, continues the unfinished ones. */
  resume(): void {
    for (const r of this.early.splice(0)) this.store[r.id] = r;
    for (const rec of Object.values(this.store)) {
      if (rec.graphId !== this.graph.id || FINAL.has(rec.status)) continue;
      for (const n of Object.values(rec.nodes)) {
        if (n.status === "running" && !this.runs.has(n)) n.status = "waiting";
      }
      adaptToGraph(rec, this.graph, this.order, this.ctx.logger);
      this.live.set(rec.id, rec);
      this.advance(rec);
    }
  }

  /** Resolves with the instance once it is finished. */
  whenDone(id: string): Promise<GraphInstanceRecord> {
    const rec = this.instance(id);
    if (rec === undefined)
      return Promise.reject(new TaskError(`no instance "${id}" in graph "${this.graph.id}"`));
    if (FINAL.has(rec.status) && !this.inFlight(id)) return Promise.resolve(rec);
    return new Promise((resolve) => {
      const list = this.doneWaiters.get(id) ?? [];
      list.push(resolve);
      this.doneWaiters.set(id, list);
    });
  }

  /** Reruns nodes of a finished instance in place (see {@link RerunKind}). @returns the nodes reset. */
  rerun(id: string, kind: RerunKind, node?: string): string[] {
    const rec = this.instance(id);
    if (rec === undefined) throw new TaskError(`rerun: no instance "${id}" in graph "${this.graph.id}"`);
    const nodes = rerunPlan(this.graph, rec, kind, node);
    if (this.inFlight(id)) throw new TaskError(`rerun: instance "${id}" still has node runs in flight`);
    for (const n of nodes) {
      const r = rec.nodes[n];
      rec.nodes[n] = { status: "waiting", runs: r?.runs ?? 0, attempts: 0 };
    }
    rec.reruns++;
    rec.status = "waiting";
    delete rec.endedAt;
    this.live.set(id, rec);
    this.emit(
      rec,
      undefined,
      "waiting",
      `rerun (${kind}${node === undefined ? "" : ` from "${node}"`}): ${nodes.join(", ") || "nothing to rerun"}`,
    );
    this.advance(rec);
    this.save();
    return nodes;
  }

  /** Stops an unfinished instance: queued nodes are not run, running ones are stopped. */
  async stopInstance(id: string, reason?: Error): Promise<void> {
    const rec = this.live.get(id);
    if (rec === undefined) return;
    this.stopping.add(id);
    rec.status = "stopped";
    this.emit(rec, undefined, "stopped", reason ? `stopped: ${reason.message}` : "stopped");
    this.ready.removeInstance(id);
    const err = new TaskStoppedError(`graph instance "${id}" stopped${reason ? `: ${reason.message}` : ""}`, {
      cause: reason,
    });
    for (const n of Object.values(rec.nodes)) {
      const run = this.runs.get(n);
      if (run !== undefined && !this.host.cancelRun(run)) this.host.stopRun(run, err);
    }
    if (!this.inFlight(id)) this.finish(rec, "stopped");
    await this.whenDone(id);
  }

  // ---- RunOwner ----------------------------------------------------------------------------

  /** @internal */
  started(run: TaskRun): void {
    const g = run.graph!;
    const rec = this.live.get(g.instanceId);
    if (rec === undefined) return;
    const n = rec.nodes[g.node];
    n.status = "running";
    n.attempts = run.attempt;
    n.startedAt ??= this.ctx.clock.now();
    if (rec.status === "waiting") {
      rec.status = "running";
      this.emit(rec, undefined, "running", "first node started");
    }
    this.emit(rec, g.node, "running", run.attempt > 1 ? `attempt ${run.attempt}` : "started");
  }

  /** @internal */
  async ended(run: TaskRun, how: "finished" | "failed" | "stopped" | "dropped"): Promise<void> {
    const g = run.graph!;
    const rec = this.live.get(g.instanceId);
    const landed = (rec ?? this.instance(g.instanceId))?.nodes[g.node];
    if (landed !== undefined) this.land(landed, run);
    if (rec === undefined) return;
    const n = rec.nodes[g.node];
    const now = this.ctx.clock.now();
    const schedulerStopping = this.ctx.state() === "STOPPING" || this.ctx.state() === "STOPPED";
    n.attempts = run.attempt;
    if (how === "finished") {
      n.status = "succeeded";
      n.output = toJson(run.value);
      delete n.error;
    } else if (
      how === "failed" ||
      (how === "stopped" && !schedulerStopping) ||
      (how === "stopped" && this.stopping.has(rec.id))
    ) {
      n.status = how === "failed" ? "failed" : "stopped";
      n.error = errorOf(run.error);
    } else n.status = "waiting"; // not run, or cut by the scheduler's stop: runs again later
    if (n.status !== "waiting") n.endedAt = now;
    this.emit(rec, g.node, n.status, how === "failed" ? `failed: ${n.error?.message}` : how);
    if (this.stopping.has(rec.id)) {
      if (!this.inFlight(rec.id)) this.finish(rec, "stopped");
    } else this.advance(rec);
    this.startReady();
    await this.ctx.persistence.save();
  }

  // ---- progress ----------------------------------------------------------------------------

  private inFlight(id: string): boolean {
    return (this.flight.get(id) ?? 0) > 0;
  }

  private land(node: GraphNodeRecord, run: TaskRun): void {
    if (this.runs.get(node) !== run) return;
    this.runs.delete(node);
    const id = run.graph!.instanceId;
    const k = (this.flight.get(id) ?? 1) - 1;
    if (k === 0) this.flight.delete(id);
    else this.flight.set(id, k);
  }

  /** Marks skips, queues ready nodes, finishes the instance when every node is done. */
  private advance(rec: GraphInstanceRecord): void {
    if (FINAL.has(rec.status)) return;
    const { ready, changed } = progress(
      this.graph,
      this.order,
      rec,
      (node) => this.runs.has(rec.nodes[node]) || this.ready.has(rec.nodes[node]),
      this.ctx.clock.now(),
    );
    for (const node of changed) {
      const n = rec.nodes[node];
      this.emit(
        rec,
        node,
        n.status,
        n.status === "skipped" ? `skipped: ${n.reason}` : `failed: ${n.error?.message}`,
      );
    }
    for (const r of ready) this.ready.push({ instanceId: rec.id, record: rec.nodes[r.node], ...r });
    this.startReady();
    if (!this.inFlight(rec.id)) {
      const status = finalStatus(this.graph, rec);
      if (status !== null) this.finish(rec, status);
    }
  }

  /** Queues ready nodes while the graph's limit (and queue window) allows, unless paused or the scheduler stops. */
  startReady(): void {
    const state = this.ctx.state();
    if (this.paused || state === "STOPPING" || state === "STOPPED") return;
    // ready nodes enter the scheduler's queue up to the graph's limit, and without one, up to
    // twice the scheduler's slots (enough to keep every slot busy; the rest wait here, cheaper
    // than as queued runs)
    const window = Math.min(this.graph.maxParallel, 2 * this.ctx.concurrency);
    while (this.ready.size > 0 && this.runs.size < window) {
      const r = this.ready.shift()!;
      const rec = this.live.get(r.instanceId);
      const n = r.record;
      if (rec === undefined || FINAL.has(rec.status) || n.status !== "waiting") continue;
      n.runs++;
      const run = this.host.enqueueOwned(this.defs.get(r.node)!, r.input, rec.firedAt, this, {
        graphId: this.graph.id,
        instanceId: rec.id,
        node: r.node,
        instanceInput: rec.input,
        upstream: r.upstream,
      });
      n.runId = run.runId;
      this.runs.set(n, run);
      this.flight.set(rec.id, (this.flight.get(rec.id) ?? 0) + 1);
    }
  }

  private finish(rec: GraphInstanceRecord, status: GraphInstanceStatus): void {
    if (!this.live.has(rec.id)) return;
    rec.status = status;
    rec.endedAt = this.ctx.clock.now();
    this.live.delete(rec.id);
    this.stopping.delete(rec.id);
    this.emit(rec, undefined, status, `instance ${status}`);
    this.prune();
    for (const resolve of this.doneWaiters.get(rec.id) ?? []) resolve(rec);
    this.doneWaiters.delete(rec.id);
  }

  /** Keeps the newest `keepInstances` finished instances of this graph in the store (10 % more between prunes). */
  private prune(): void {
    if (!this.host.loaded()) return;
    const slack = Math.max(1, Math.floor(this.graph.keepInstances / 10));
    if (this.finishedCount >= 0 && ++this.finishedCount <= this.graph.keepInstances + slack) return;
    this.finishedCount = pruneFinished(this.store, this.graph.id, this.graph.keepInstances);
  }

  private save(): void {
    if (this.host.loaded()) this.ctx.persistence.save().catch(() => {}); // logged by persistence
  }

  private emit(
    rec: GraphInstanceRecord,
    node: string | undefined,
    status: GraphNodeStatus | GraphInstanceStatus,
    msg: string,
  ): void {
    const events = this.ctx.events;
    if (!events.listening("graph")) return;
    events.emit({
      type: "graph",
      graphId: this.graph.id,
      instanceId: rec.id,
      ...(node === undefined ? {} : { node }),
      status,
      msg,
      occurAt: this.ctx.clock.now(),
    });
  }
}

function errorOf(err: unknown): { name: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err ?? "stopped"));
  return { name: e.name, message: e.message };
}
