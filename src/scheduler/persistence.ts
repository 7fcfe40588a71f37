import type { Logger } from "../util/logger.js";
import { emptyState, type Json, type StoreState, type TaskStoreBackend } from "./store/store-state.js";
import { DELETED } from "./task-run.js";

/**
 * The scheduler's persisted state (one JSON document: task store, checkpoints, dead letters,
 * fire times, graph instances) and its saves, serialised one after the other.
 * @internal
 */
export class Persistence {
  /** The state in memory; what `save()` writes. */
  state: StoreState = emptyState();
  /** Whether `load()` ran (before it, `state` is a placeholder). */
  loaded = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly backend: TaskStoreBackend,
    private readonly logger: Logger,
  ) {}

  /** Loads the state (at start). */
  async load(): Promise<void> {
    this.state = await this.backend.load();
    this.loaded = true;
  }

  /** Saves the state after the saves already under way; rejects with this save's error. */
  save(): Promise<void> {
    const p = this.saving.then(() => this.backend.save(this.state));
    this.saving = p.catch((err) => this.logger.error({ store: this.backend.name, err }, "store save failed"));
    return p;
  }

  /**
   * Commits a run's staged writes to task `id`'s namespace (and clears its checkpoint when
   * `clearCheckpoint`), then saves. A failed save is rolled back in memory (the namespace and the
   * checkpoint are as before) and rethrown.
   */
  async commit(
    id: string,
    staged: Map<string, Json | typeof DELETED> | null,
    clearCheckpoint: boolean,
  ): Promise<void> {
    const s = this.state;
    const hadData = Object.hasOwn(s.data, id);
    const before = s.data[id];
    const hadCheckpoint = Object.hasOwn(s.checkpoints, id);
    const checkpoint = s.checkpoints[id];
    if (staged !== null) {
      const ns = { ...before };
      for (const [k, v] of staged) {
        if (v === DELETED) delete ns[k];
        else ns[k] = v;
      }
      s.data[id] = ns;
    }
    if (clearCheckpoint) delete s.checkpoints[id];
    try {
      await this.save();
    } catch (err) {
      if (hadData) s.data[id] = before;
      else delete s.data[id];
      if (hadCheckpoint) s.checkpoints[id] = checkpoint;
      throw err;
    }
  }
}
