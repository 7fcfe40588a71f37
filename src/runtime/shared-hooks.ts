import type { OperatorContext } from "../operators/context.js";
import type { Hooks } from "./node.js";

/**
 * Lifecycle hooks of one operator instance run by several physical nodes (the lanes of a
 * `shard`: a Sink or Calculator shared by N replicas). The operator still sees each hook once
 * per run: `open` once (the first replica's context; every replica waits for it), `done` once
 * every replica ended normally (called by the last one, which emits what it returns),
 * `fatal` once at the first failure, `cleanup` once every replica settled, with the first
 * error if any.
 * @internal
 */
export class SharedHooks {
  private opened: Promise<void> | null = null;
  private doneCount = 0;
  private cleanupCount = 0;
  private fatalCalled = false;
  private firstError: Error | undefined;
  /** Per checkpoint id: replicas that pre-committed, and the shared call once all did. */
  private readonly preCommits = new Map<number, { count: number; ready: Promise<void>; go: () => void }>();

  constructor(
    private readonly operator: Hooks,
    private readonly replicas: number,
  ) {}

  /** The hooks one replica calls. */
  forReplica(): Hooks {
    const op = this.operator;
    return {
      name: op.name,
      open: (ctx: OperatorContext) => {
        this.opened ??= Promise.resolve().then(() => op.open?.(ctx));
        return this.opened;
      },
      done: () => {
        if (++this.doneCount === this.replicas) return op.done?.();
        return undefined;
      },
      fatal: (err: Error) => {
        if (this.fatalCalled) return;
        this.fatalCalled = true;
        return op.fatal?.(err);
      },
      preCommit: (id: number) => this.preCommit(id),
      cleanup: (err?: Error) => {
        this.firstError ??= err;
        if (++this.cleanupCount === this.replicas) return op.cleanup?.(this.firstError);
      },
    };
  }

  /**
   * A replica passed the barrier of checkpoint `id` (or ended before it): resolves once every
   * replica did and the operator's `preCommit(id)` ran (once). Until then the replica waits, so
   * none of its records after the barrier reaches the operator before it is sealed.
   */
  private async preCommit(id: number): Promise<void> {
    const op = this.operator;
    if (typeof op.preCommit !== "function") return;
    let entry = this.preCommits.get(id);
    if (entry === undefined) {
      let go!: () => void;
      const ready = new Promise<void>((resolve) => {
        go = resolve;
      });
      entry = { count: 0, ready, go };
      this.preCommits.set(id, entry);
    }
    if (++entry.count < this.replicas) return entry.ready;
    this.preCommits.delete(id);
    try {
      await op.preCommit(id);
    } finally {
      entry.go();
    }
  }
}
