import type { GraphInstanceRecord } from "../graph/graph-types.js";

/** A JSON value (what the task store and checkpoints hold). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A run that failed its last attempt, kept in the store until replayed or discarded. */
export interface DeadLetterEntry {
  /** Dead letter id. */
  readonly id: string;
  readonly taskId: string;
  readonly runId: string;
  /** The run's input. */
  readonly input: Json;
  /** The last error: name, message and stack. */
  readonly error: { name: string; message: string; stack?: string };
  readonly attempts: number;
  /** Epoch ms of the first and the last failure. */
  readonly firstFailureAt: number;
  readonly lastFailureAt: number;
}

/** Everything the scheduler persists, as one JSON document. */
export interface StoreState {
  readonly version: 1;
  /** Committed task store entries, by task id, then key. */
  data: Record<string, Record<string, Json>>;
  /** Latest checkpoint per task id. */
  checkpoints: Record<string, Json>;
  /** Dead letters, oldest first. */
  deadLetters: DeadLetterEntry[];
  /** Last fire time (epoch ms) per task id (`graph:<id>` for graphs), for catch-up after downtime. */
  fires: Record<string, number>;
  /** Execution graph instances by instance id (absent in stores written before graphs existed). */
  graphs?: Record<string, GraphInstanceRecord>;
}

/** An empty state. @internal */
export function emptyState(): StoreState {
  return { version: 1, data: {}, checkpoints: {}, deadLetters: [], fires: {}, graphs: {} };
}

/**
 * Where the scheduler's state lives: `load()` once at start, `save()` after every change
 * (run commit, checkpoint, dead letter, fire time). Saves are serialised by the scheduler.
 */
export interface TaskStoreBackend {
  /** A name for messages (`"memory"`, the file path). */
  readonly name: string;
  load(): Promise<StoreState>;
  save(state: StoreState): Promise<void>;
}
