import { ConfigError } from "../../errors.js";
import type { SchedulerContext } from "../context.js";
import type { RunOwner, TaskDef, TaskRun } from "../task-run.js";
import type { FireTarget, TriggerFiring } from "../trigger-firing.js";
import type { Trigger } from "../triggers.js";
import { Graph } from "./graph.js";
import { GraphHandle, type GraphHandleHost } from "./graph-handle.js";
import { type GraphHost, GraphRunner } from "./graph-runner.js";
import type { GraphInstanceRecord, GraphRunContext } from "./graph-types.js";

/** What the registry needs from the Scheduler. @internal */
export interface GraphScheduler {
  /** Queues a run of `def` (after `setup` ran on it) and returns it. */
  queueRun(def: TaskDef, input: unknown, firedAt: number, setup: (run: TaskRun) => void): TaskRun;
  /** Resumes a paused task definition (wakes its waiting runs, unparks, pumps). */
  resumeDef(def: TaskDef): void;
  /** @throws LifecycleError when the scheduler is stopping or stopped. */
  assertAccepting(action: string): void;
}

/**
 * The scheduler's execution graphs: spawns them, arms their triggers, continues their
 * unfinished instances at start, and gives their runners the scheduler's queue.
 * @internal
 */
export class GraphRegistry implements GraphHost, GraphHandleHost {
  private readonly handles = new Map<string, GraphHandle>();
  private readonly resumed = new WeakSet<GraphRunner>();

  constructor(
    readonly ctx: SchedulerContext,
    private readonly firing: TriggerFiring,
    private readonly scheduler: GraphScheduler,
  ) {}

  /** @throws ConfigError for a non-Graph, a duplicate id, an invalid graph (unknown upstream, cycle). */
  spawn(graph: Graph): GraphHandle {
    if (!(graph instanceof Graph))
      throw new ConfigError("spawnGraph(graph): expected a Graph (new Graph(id))");
    if (this.handles.has(graph.id))
      throw new ConfigError(`spawnGraph: a graph with id "${graph.id}" exists already`);
    const runner = new GraphRunner(this, graph);
    const handle = new GraphHandle(this, runner);
    this.handles.set(graph.id, handle);
    this.ctx.graphs.set(graph.id, runner);
    if (this.ctx.persistence.loaded) this.resume(runner);
    return handle;
  }

  /** At start (store loaded): continues unfinished instances, catches up missed fires, arms triggers. */
  start(): void {
    for (const runner of this.ctx.graphs.values()) {
      this.resume(runner);
      const target = this.target(runner);
      this.firing.catchUp(target);
      for (const t of runner.triggers) t.arm(this.firing.context(target));
    }
  }

  list(): GraphHandle[] {
    return [...this.handles.values()];
  }

  get(id: string): GraphHandle | undefined {
    return this.handles.get(id);
  }

  /** The instance with this id in any graph. */
  findInstance(instanceId: string): { handle: GraphHandle; instance: GraphInstanceRecord } | undefined {
    for (const handle of this.handles.values()) {
      const instance = handle.instance(instanceId);
      if (instance !== undefined) return { handle, instance };
    }
    return undefined;
  }

  private resume(runner: GraphRunner): void {
    if (this.resumed.has(runner)) return;
    this.resumed.add(runner);
    runner.resume();
  }

  // ---- GraphHost ---------------------------------------------------------------------------

  enqueueOwned(
    def: TaskDef,
    input: unknown,
    firedAt: number,
    owner: RunOwner,
    graph: GraphRunContext,
  ): TaskRun {
    return this.scheduler.queueRun(def, input, firedAt, (run) => {
      run.owner = owner;
      run.graph = graph;
    });
  }

  cancelRun(run: TaskRun): boolean {
    const ctx = this.ctx;
    const d = ctx.dispatcher;
    let found = d.queue.removeWhere((r) => r === run).length > 0;
    const i = run.def.parked.indexOf(run);
    if (i >= 0) {
      run.def.parked.splice(i, 1);
      found = true;
    }
    const timer = d.retryTimers.get(run);
    if (timer !== undefined) {
      ctx.clock.clearTimeout(timer);
      d.retryTimers.delete(run);
      found = true;
    }
    if (!found) return false;
    ctx.metrics.queueDepth.set(d.queue.size);
    ctx.execution.drop(run, "cancelled before it started: its graph instance stopped");
    ctx.waiters.check();
    return true;
  }

  stopRun(run: TaskRun, err: Error): void {
    this.ctx.dispatcher.requestStop(run, err);
  }

  loaded(): boolean {
    return this.ctx.persistence.loaded;
  }

  // ---- GraphHandleHost ---------------------------------------------------------------------

  assertAccepting(action: string): void {
    this.scheduler.assertAccepting(action);
  }

  addGraphTrigger(runner: GraphRunner, t: Trigger): void {
    this.scheduler.assertAccepting(`add a ${t.kind} trigger to graph "${runner.graph.id}"`);
    if (runner.stopped)
      throw new ConfigError(`graph "${runner.graph.id}" is stopped: it takes no new trigger`);
    runner.triggers.push(t);
    if (this.ctx.state() === "STARTED") t.arm(this.firing.context(this.target(runner)));
  }

  pauseGraph(runner: GraphRunner, paused: boolean): void {
    runner.paused = paused;
    for (const def of runner.nodeDefs()) {
      if (paused) def.paused = true;
      else this.scheduler.resumeDef(def);
    }
    if (!paused) runner.startReady();
  }

  /** A graph as what its triggers fire: a new instance (skipped while paused, or busy with `overlap: 'skip'`). */
  private target(runner: GraphRunner): FireTarget {
    const ctx = this.ctx;
    const id = runner.graph.id;
    return {
      key: `graph:${id}`,
      triggers: runner.triggers,
      catchUp: runner.graph.catchUp,
      stopped: () => runner.stopped,
      fire(firedAt, input) {
        if (runner.paused) return ctx.logger.debug({ graph: id }, "fire skipped: graph paused");
        if (runner.graph.overlap === "skip" && runner.busy())
          return ctx.logger.debug({ graph: id }, "fire skipped: an instance is unfinished (overlap: 'skip')");
        runner.create(input, firedAt);
      },
      fireMissed: (firedAt) => void runner.create(undefined, firedAt),
    };
  }
}
