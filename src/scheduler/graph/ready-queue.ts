import type { Json } from "../store/store-state.js";
import type { GraphNodeRecord } from "./graph-types.js";

/** A node whose upstreams are done, waiting to enter the scheduler's queue. @internal */
export interface ReadyEntry {
  readonly instanceId: string;
  readonly node: string;
  /** Its record in the instance (identity: what `has` looks up). */
  readonly record: GraphNodeRecord;
  readonly input: unknown;
  readonly upstream: Record<string, Json | undefined>;
}

/**
 * The ready nodes of a graph's instances, first in first out, with O(1) `shift` (a moving head,
 * compacted now and then) and membership by node record.
 * @internal
 */
export class ReadyQueue {
  private items: ReadyEntry[] = [];
  private head = 0;
  private readonly records = new Set<GraphNodeRecord>();

  get size(): number {
    return this.items.length - this.head;
  }

  has(record: GraphNodeRecord): boolean {
    return this.records.has(record);
  }

  push(e: ReadyEntry): void {
    this.items.push(e);
    this.records.add(e.record);
  }

  shift(): ReadyEntry | undefined {
    if (this.head >= this.items.length) return undefined;
    const e = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.records.delete(e.record);
    return e;
  }

  /** Removes every entry of an instance. */
  removeInstance(instanceId: string): void {
    const keep = this.items.slice(this.head).filter((e) => {
      if (e.instanceId !== instanceId) return true;
      this.records.delete(e.record);
      return false;
    });
    this.items = keep;
    this.head = 0;
  }
}
