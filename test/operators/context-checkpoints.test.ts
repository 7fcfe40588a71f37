import { describe, expect, it } from "vitest";
import { arraySink, Env, memoryCheckpointStore, type OperatorContext, Source } from "../../src/index.js";

/** Remembers the context it was opened with. */
class Probe extends Source<number> {
  ctx: OperatorContext | undefined;
  private sent = false;
  override open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }
  consume(): number[] | null {
    if (this.sent) return null;
    this.sent = true;
    return [1];
  }
}

describe("OperatorContext.checkpoints", () => {
  it("is true when the Env takes checkpoints, false otherwise", async () => {
    const on = new Probe();
    const a = new Env({ checkpoint: { store: memoryCheckpointStore(), intervalMs: 60_000 } });
    a.from(on).to(arraySink());
    await a.run();
    expect(on.ctx?.checkpoints).toBe(true);

    const off = new Probe();
    const b = new Env();
    b.from(off).to(arraySink());
    await b.run();
    expect(off.ctx?.checkpoints).toBe(false);
  });
});
