import type { Calculator } from "../operators/calculator.js";
import type { StageSpec } from "../operators/stage.js";
import type { Batch } from "./envelope.js";
import { type JobContext, MAIN, type NodeSettings, RuntimeNode } from "./node.js";

/**
 * A node that runs its fused chain on each input batch: a union (fan-in, identity root), or a
 * Calculator (fan-in when shared; its `calc` is the root stage of the chain, and what its
 * `done()` returns is emitted before the end of the stream).
 * @internal
 */
export class TransformNode extends RuntimeNode {
  constructor(
    id: string,
    name: string,
    kind: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly calculator: Calculator<unknown, unknown> | null,
    operatorName: string,
  ) {
    super(id, name, kind, job, settings, calculator, operatorName);
  }

  protected override rootStage(): StageSpec | null {
    if (this.calculator === null) return null;
    return {
      kind: "calc",
      name: this.operatorName,
      fn: () => undefined,
      calculator: this.calculator,
    };
  }

  protected process(batch: Batch): Promise<void> {
    return this.emit(batch.records, batch.acks, batch.timestamps).then(() => this.release(batch.acks));
  }

  protected override async callDone(): Promise<void> {
    if (this.calculator === null) return;
    // through the hooks: a Calculator shared by a shard's lanes has done() called once
    const rest = await this.operator?.done?.();
    if (Array.isArray(rest) && rest.length > 0) await this.emit(rest, null, null, MAIN, true);
  }
}
