import { TaskError } from "../errors.js";
import type { DeadLetterEntry } from "./store/store-state.js";

/** What the dead-letter queue needs from its scheduler. @internal */
export interface DeadLetterHost {
  entries(): DeadLetterEntry[];
  remove(id: string): DeadLetterEntry | undefined;
  requeue(entry: DeadLetterEntry): string;
  persist(): Promise<void>;
}

/**
 * Runs that failed their last attempt, persisted in the task store (they survive a restart):
 * `list()`, `replay(id)` (a new run of the task with the same input, attempt 1), `discard(id)`.
 */
export class DeadLetterQueue {
  /** @internal */
  constructor(private readonly host: DeadLetterHost) {}

  /** The dead letters, oldest first. */
  list(): readonly DeadLetterEntry[] {
    return [...this.host.entries()];
  }

  /**
   * Removes the dead letter and queues a new run of its task with its input.
   * @returns the new run id.
   * @throws TaskError if no dead letter has this id, or its task is not spawned in this scheduler.
   */
  async replay(id: string): Promise<string> {
    const entry = this.host.entries().find((e) => e.id === id);
    if (entry === undefined) throw new TaskError(`deadLetters.replay: no dead letter "${id}"`);
    const runId = this.host.requeue(entry);
    this.host.remove(id);
    await this.host.persist();
    return runId;
  }

  /**
   * Removes a dead letter for good.
   * @throws TaskError if no dead letter has this id.
   */
  async discard(id: string): Promise<void> {
    if (this.host.remove(id) === undefined)
      throw new TaskError(`deadLetters.discard: no dead letter "${id}"`);
    await this.host.persist();
  }
}
