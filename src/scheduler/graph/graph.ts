import { ConfigError } from "../../errors.js";
import { checkInt, checkKeys, checkOneOf, closest } from "../../util/validate.js";
import type { Json } from "../store/store-state.js";
import type { TaskInput } from "../task-impl.js";
import type { TaskOptions } from "../task-options.js";
import { graphMermaid } from "./mermaid.js";

/** What a node's `when` condition gets: its upstream outputs by name, and the instance. */
export interface ConditionContext {
  readonly instanceId: string;
  /** The instance's input. */
  readonly input: Json;
}

/** Options of `graph.node(name, task, options)`. */
export interface GraphNodeOptions {
  /** Upstream node names: this node runs after all of them (default: none, a root node). */
  after?: string | readonly string[];
  /** Retry policy of the node's run, as a task's (default: one attempt). */
  retry?: TaskOptions["retry"];
  /** The node's run fails with TaskTimeoutError after this many ms (per attempt). Default none. */
  timeoutMs?: number;
  /**
   * What the node's failure does: `false` (default) fails the instance (its dependants are
   * skipped); `true`: its dependants run as if it succeeded with no output (the workflow study's
   * "skip on failure").
   */
  optional?: boolean;
  /**
   * Runs the node only when it returns true, given its upstream outputs by name; otherwise the
   * node is `skipped` (reason `condition`) and so are its dependants. Throwing fails the node.
   */
  when?: (upstream: Readonly<Record<string, Json | undefined>>, ctx: ConditionContext) => boolean;
  description?: string;
}

/** Options of `new Graph(id, options)`. */
export interface GraphOptions {
  description?: string;
  /** Node runs of this graph (all its instances) queued or running at once, >= 1. Default: no limit beyond the scheduler's slots. */
  maxParallel?: number;
  /** Priority of its node runs in the scheduler's queue. Default 0. */
  priority?: number;
  /** A repeatable trigger firing while an instance is unfinished: `'skip'` it (default) or `'allow'` a new instance. */
  overlap?: "skip" | "allow";
  /** Fires of `every`/`atEvery` missed while the scheduler was down: `'none'` (default), `'last'`, `'all'`. */
  catchUp?: "none" | "last" | "all";
  /** Finished instances kept in the store (the oldest are removed beyond it). Default 1,000. */
  keepInstances?: number;
}

/** A node of a graph definition. */
export interface GraphNodeDef {
  readonly name: string;
  readonly task: TaskInput;
  readonly after: readonly string[];
  readonly optional: boolean;
  readonly when: GraphNodeOptions["when"] | undefined;
  readonly retry: TaskOptions["retry"] | undefined;
  readonly timeoutMs: number | undefined;
  readonly description: string;
}

const NODE_KEYS = ["after", "retry", "timeoutMs", "optional", "when", "description"];
const GRAPH_KEYS = ["description", "maxParallel", "priority", "overlap", "catchUp", "keepInstances"];

/**
 * An execution graph (DAG) of tasks and stream tasks (see docs/scheduler.md, "Execution graphs"):
 *
 * ```ts
 * const etl = new Graph("etl", { maxParallel: 2 })
 *   .node("extract", Extract)
 *   .node("clean", Clean, { after: "extract", retry: { attempts: 3 } })
 *   .node("stats", Stats, { after: "extract", optional: true })
 *   .node("load", Load, { after: ["clean", "stats"], when: (up) => up.clean !== null });
 * const h = scheduler.spawnGraph(etl).atEvery("0 3 * * *");
 * ```
 *
 * A node's input is its upstream outputs by name (`{ clean: ..., stats: ... }`); a node with no
 * upstream gets the instance's input. Nodes may name upstreams defined later; the graph is
 * checked when it is spawned (or by `validate()`): an unknown upstream or a cycle is a
 * ConfigError naming it (`cycle: a -> b -> a`).
 */
export class Graph {
  readonly id: string;
  readonly description: string;
  readonly maxParallel: number;
  readonly priority: number;
  readonly overlap: "skip" | "allow";
  readonly catchUp: "none" | "last" | "all";
  readonly keepInstances: number;
  private readonly defs = new Map<string, GraphNodeDef>();

  /** @throws ConfigError for an empty id or a bad or unknown option. */
  constructor(id: string, options: GraphOptions = {}) {
    if (typeof id !== "string" || id.length === 0)
      throw new ConfigError("new Graph(id): id must be a non-empty string");
    checkKeys(`new Graph("${id}", options)`, options, GRAPH_KEYS);
    options ??= {};
    this.id = id;
    this.description = options.description ?? "";
    this.maxParallel =
      options.maxParallel === undefined
        ? Number.POSITIVE_INFINITY
        : checkInt("graph options.maxParallel", options.maxParallel, 1);
    this.priority = checkInt("graph options.priority", options.priority ?? 0, Number.MIN_SAFE_INTEGER);
    this.overlap = checkOneOf("graph options.overlap", options.overlap ?? "skip", ["skip", "allow"] as const);
    this.catchUp = checkOneOf("graph options.catchUp", options.catchUp ?? "none", [
      "none",
      "last",
      "all",
    ] as const);
    this.keepInstances = checkInt("graph options.keepInstances", options.keepInstances ?? 1000, 1);
  }

  /**
   * Adds a node: a Task class, Task instance, spec object `{ executor }`, or StreamTask class.
   * @throws ConfigError for a duplicate or empty name, a bad task, or a bad or unknown option.
   */
  node(name: string, task: TaskInput, options: GraphNodeOptions = {}): this {
    const where = `graph "${this.id}" node("${name}")`;
    if (typeof name !== "string" || name.length === 0 || name.includes("/"))
      throw new ConfigError(`graph "${this.id}": a node name must be a non-empty string without "/"`);
    if (this.defs.has(name)) throw new ConfigError(`${where}: a node with this name exists already`);
    if (
      typeof task !== "function" &&
      (task === null || typeof task !== "object" || typeof task.executor !== "function")
    )
      throw new ConfigError(
        `${where}: expected a Task class, a Task instance or { executor(input, proceed, bus) }`,
      );
    checkKeys(`${where} options`, options, NODE_KEYS);
    options ??= {};
    const after =
      options.after === undefined
        ? []
        : typeof options.after === "string"
          ? [options.after]
          : [...options.after];
    if (after.some((a) => typeof a !== "string"))
      throw new ConfigError(`${where}: options.after must be node names`);
    if (options.when !== undefined && typeof options.when !== "function")
      throw new ConfigError(`${where}: options.when must be a function of the upstream outputs`);
    this.defs.set(name, {
      name,
      task,
      after: [...new Set(after)],
      optional: options.optional ?? false,
      when: options.when,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      description: options.description ?? "",
    });
    return this;
  }

  /** The nodes, in the order they were added. */
  get nodes(): readonly GraphNodeDef[] {
    return [...this.defs.values()];
  }

  /** A node by name. */
  nodeDef(name: string): GraphNodeDef | undefined {
    return this.defs.get(name);
  }

  /** The edges `[upstream, downstream]`. */
  edges(): [string, string][] {
    const out: [string, string][] = [];
    for (const n of this.defs.values()) for (const a of n.after) out.push([a, n.name]);
    return out;
  }

  /** The direct dependants of `name`. */
  dependants(name: string): string[] {
    return this.nodes.filter((n) => n.after.includes(name)).map((n) => n.name);
  }

  /** `name` and every node downstream of it (transitively), in topological order. */
  downstreamOf(name: string): string[] {
    const seen = new Set([name]);
    for (const n of this.validate()) if (this.defs.get(n)!.after.some((a) => seen.has(a))) seen.add(n);
    return this.validate().filter((n) => seen.has(n));
  }

  /**
   * Checks the graph and returns its nodes in topological order (each after its upstreams; ties
   * in the order added).
   * @throws ConfigError for an empty graph, an unknown upstream (with the closest name) or a cycle (with its path).
   */
  validate(): string[] {
    if (this.defs.size === 0)
      throw new ConfigError(`graph "${this.id}" has no node: add one with node(name, task)`);
    const names = [...this.defs.keys()];
    for (const n of this.defs.values()) {
      for (const a of n.after) {
        if (this.defs.has(a)) continue;
        const near = closest(a, names);
        throw new ConfigError(
          `graph "${this.id}": node "${n.name}" runs after "${a}", which is not a node${near === undefined ? "" : ` (did you mean "${near}"?)`}`,
        );
      }
    }
    const cycle = this.findCycle();
    if (cycle !== null) throw new ConfigError(`graph "${this.id}" has a cycle: ${cycle.join(" -> ")}`);
    // Kahn's algorithm, ties in insertion order
    const indegree = new Map(names.map((n) => [n, this.defs.get(n)!.after.length]));
    const order: string[] = [];
    const ready = names.filter((n) => indegree.get(n) === 0);
    while (ready.length > 0) {
      const n = ready.shift()!;
      order.push(n);
      for (const d of this.dependants(n)) {
        const k = indegree.get(d)! - 1;
        indegree.set(d, k);
        if (k === 0) ready.push(d);
      }
    }
    return order;
  }

  /** The graph as a Mermaid flowchart (paste into Markdown). */
  toMermaid(): string {
    this.validate();
    return graphMermaid(this, null);
  }

  /** A cycle as a path whose last node is its first, or null. */
  private findCycle(): string[] | null {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (n: string): string[] | null => {
      state.set(n, "open");
      stack.push(n);
      for (const d of this.dependants(n)) {
        const s = state.get(d);
        if (s === "open") return [...stack.slice(stack.indexOf(d)), d];
        if (s === undefined) {
          const c = visit(d);
          if (c !== null) return c;
        }
      }
      stack.pop();
      state.set(n, "done");
      return null;
    };
    for (const n of this.defs.keys()) {
      if (state.has(n)) continue;
      const c = visit(n);
      if (c !== null) return c;
    }
    return null;
  }
}
