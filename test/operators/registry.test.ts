import { describe, expect, it } from "vitest";
import { ConfigError, Env, operators, Sink } from "../../src/index.js";

class Collect extends Sink<number> {
  static last: Collect | undefined;
  got: number[] = [];
  constructor(readonly options: { scale: number }) {
    super();
    Collect.last = this;
  }
  produce(e: number[]) {
    this.got.push(...e.map((x) => x * this.options.scale));
  }
}

describe("operator registry", () => {
  it("registers and creates operators by name with options", async () => {
    operators.register("Collect", Collect);
    expect(operators.has("Collect")).toBe(true);
    const sink = operators.create<Collect>("Collect", { scale: 3 });
    await new Env().from([1, 2]).to(sink);
    expect(sink.got).toEqual([3, 6]);
    expect(operators.names()).toContain("Collect");
  });

  it("refuses unknown names and a name taken by another class, with ConfigErrors", () => {
    expect(() => operators.create("Nope")).toThrow(ConfigError);
    expect(() => operators.create("Nope")).toThrow(/no operator registered as "Nope"/);
    class Other extends Sink<number> {
      produce() {}
    }
    expect(() => operators.register("Collect", Other)).toThrow(/already registered/);
    expect(operators.unregister("Collect")).toBe(true);
    expect(operators.has("Collect")).toBe(false);
  });
});
