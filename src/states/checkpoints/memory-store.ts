import { StateError } from "../../errors.js";
import type { CheckpointData, CheckpointStore, OperatorPart, StoredCheckpoint } from "./checkpoint-store.js";
import { decodePart, encodePart } from "./codec.js";

interface Entry {
  readonly info: StoredCheckpoint;
  readonly job: string;
  readonly parts: Map<string, Buffer>;
}

/**
 * A checkpoint store in memory (tests, and jobs that only need savepoints within one process).
 * Parts are kept serialized (as the directory store writes them, ./codec.ts), so a restored state never shares objects with
 * the live one, and sizes are real. Locations are `mem:<id>`.
 */
export function memoryCheckpointStore(): CheckpointStore & { readonly size: number } {
  return new MemoryCheckpointStore();
}

class MemoryCheckpointStore implements CheckpointStore {
  readonly description = "memory";
  private readonly entries = new Map<number, Entry>();

  get size(): number {
    return this.entries.size;
  }

  async write(cp: CheckpointData): Promise<StoredCheckpoint> {
    const parts = new Map<string, Buffer>();
    let bytes = 0;
    for (const [op, part] of Object.entries(cp.parts)) {
      const buf = encodePart(`operator "${op}"`, part);
      parts.set(op, buf);
      bytes += buf.length;
    }
    const info: StoredCheckpoint = {
      id: cp.id,
      savepoint: cp.savepoint,
      location: `mem:${cp.id}`,
      bytes,
      timestamp: cp.timestamp,
    };
    this.entries.set(cp.id, { info, job: cp.job, parts });
    return info;
  }

  async latest(): Promise<(CheckpointData & { location: string }) | undefined> {
    let best: Entry | undefined;
    for (const e of this.entries.values())
      if (!e.info.savepoint && (best === undefined || e.info.id > best.info.id)) best = e;
    return best === undefined ? undefined : this.read(best);
  }

  async load(location: string): Promise<CheckpointData & { location: string }> {
    const id = Number(location.startsWith("mem:") ? location.slice(4) : location);
    const e = this.entries.get(id);
    if (e === undefined) throw new StateError(`checkpoint ${location} is not in the memory checkpoint store`);
    return this.read(e);
  }

  async list(): Promise<StoredCheckpoint[]> {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.id - b.id);
  }

  async prune(retain: number): Promise<void> {
    const regular = [...this.entries.values()]
      .filter((e) => !e.info.savepoint)
      .sort((a, b) => a.info.id - b.info.id);
    for (const e of regular.slice(0, Math.max(0, regular.length - retain))) this.entries.delete(e.info.id);
  }

  private read(e: Entry): CheckpointData & { location: string } {
    const parts: Record<string, OperatorPart> = {};
    for (const [op, buf] of e.parts) parts[op] = decodePart(buf) as OperatorPart;
    return {
      id: e.info.id,
      savepoint: e.info.savepoint,
      timestamp: e.info.timestamp,
      job: e.job,
      parts,
      location: e.info.location,
    };
  }
}
