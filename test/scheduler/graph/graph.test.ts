import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { Graph, Scheduler } from "../../../src/scheduler/index.js";

const noop = { executor: () => {} };

describe("building a graph", () => {
  it("a cycle is rejected when the graph is spawned, naming the cycle's path", () => {
    const g = new Graph("loop")
      .node("a", noop)
      .node("b", noop, { after: ["a", "d"] })
      .node("c", noop, { after: "b" })
      .node("d", noop, { after: "c" });
    expect(() => g.validate()).toThrow(ConfigError);
    expect(() => g.validate()).toThrow('graph "loop" has a cycle: b -> c -> d -> b');
    expect(() => new Scheduler().spawnGraph(g)).toThrow(/cycle: b -> c -> d -> b/);
    const self = new Graph("self").node("x", noop, { after: "x" });
    expect(() => self.validate()).toThrow("cycle: x -> x");
  });

  it("an unknown upstream names the closest node; duplicates, empty graphs and unknown keys are ConfigErrors", () => {
    const g = new Graph("etl").node("extract", noop).node("load", noop, { after: "extrct" });
    expect(() => g.validate()).toThrow(
      'graph "etl": node "load" runs after "extrct", which is not a node (did you mean "extract"?)',
    );
    expect(() => new Graph("d").node("a", noop).node("a", noop)).toThrow(/exists already/);
    expect(() => new Graph("e").validate()).toThrow(/has no node/);
    expect(() => new Graph("k").node("a", noop, { afer: "b" } as object)).toThrow(
      /unknown option "afer" \(did you mean "after"\?\)/,
    );
    expect(() => new Graph("k", { maxParalel: 2 } as object)).toThrow(/did you mean "maxParallel"/);
    expect(() => new Graph("k").node("a", 42 as never)).toThrow(/expected a Task class/);
    expect(() => new Graph("k").node("a/b", noop)).toThrow(/without "\/"/);
  });

  it("validate() gives a topological order (each node after its upstreams, ties in the order added)", () => {
    const g = new Graph("t")
      .node("d", noop, { after: ["b", "c"] })
      .node("b", noop, { after: "a" })
      .node("a", noop)
      .node("c", noop, { after: "a" });
    expect(g.validate()).toEqual(["a", "b", "c", "d"]);
    expect(g.downstreamOf("b")).toEqual(["b", "d"]);
    expect(g.edges()).toEqual([
      ["b", "d"],
      ["c", "d"],
      ["a", "b"],
      ["a", "c"],
    ]);
  });

  it("toMermaid() draws nodes and edges; optional and conditional nodes say so", () => {
    const g = new Graph("m")
      .node("a", noop)
      .node("b", noop, { after: "a", optional: true })
      .node("c", noop, { after: "b", when: () => true });
    expect(g.toMermaid()).toBe(
      ["flowchart TD", '  n0["a"]', '  n1["b (optional)"]', '  n2{{"c"}}', "  n0 --> n1", "  n1 --> n2"].join(
        "\n",
      ),
    );
  });
});
