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
      cleanup: (err?: Error) => {
        this.firstError ??= err;
        if (++this.cleanupCount === this.replicas) return op.cleanup?.(this.firstError);
      },
    };
  }
}
