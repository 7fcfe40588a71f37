import type { SchedulerContext } from "./context.js";
import type { TaskDef } from "./task-run.js";
import type { Trigger, TriggerContext } from "./triggers.js";

/** What triggers fire: a task (or, later, anything with triggers and a fire time to keep). @internal */
export interface FireTarget {
  /** The key of its last fire time in the store (`fires[key]`). */
  readonly key: string;
  readonly triggers: readonly Trigger[];
  readonly catchUp: "none" | "last" | "all";
  /** Whether it takes no more fires. */
  stopped(): boolean;
  /** A repeatable or one-shot trigger fired (the fire time is already recorded). */
  fire(firedAt: number, input: unknown): void;
  /** A fire missed while the scheduler was down, to run now (catch-up). */
  fireMissed(firedAt: number): void;
}

/**
 * Triggers firing runs: the context each trigger is armed with, named signals
 * (`scheduler.signal(name, payload)`), the last fire time of each target (persisted, for
 * catch-up) and the catch-up of fires missed while the scheduler was down.
 * @internal
 */
export class TriggerFiring {
  private readonly signals = new Map<string, Set<(payload: unknown) => void>>();

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly maxCatchUp: number,
  ) {}

  /** The context `target`'s triggers are armed with. */
  context(target: FireTarget): TriggerContext {
    return {
      clock: this.ctx.clock,
      fire: (firedAt, input) => this.fire(target, firedAt, input),
      onSignal: (name, fn) => {
        let set = this.signals.get(name);
        if (set === undefined) {
          set = new Set();
          this.signals.set(name, set);
        }
        set.add(fn);
        return () => set.delete(fn);
      },
    };
  }

  /** Calls every listener of signal `name` with `payload`; returns whether any listens. */
  signal(name: string, payload: unknown): boolean {
    const fns = this.signals.get(name);
    if (fns === undefined) return false;
    for (const fn of fns) fn(payload);
    return true;
  }

  /** A fire: recorded (for catch-up), then handed to the target. */
  private fire(target: FireTarget, firedAt: number, input: unknown): void {
    if (target.stopped() || this.ctx.state() !== "STARTED") return;
    this.ctx.persistence.state.fires[target.key] = firedAt;
    void this.ctx.persistence.save();
    target.fire(firedAt, input);
  }

  /** At start: the fires of `target` missed since its last recorded fire, per its `catchUp`. */
  catchUp(target: FireTarget): void {
    const fires = this.ctx.persistence.state.fires;
    const last = fires[target.key];
    if (last === undefined || target.catchUp === "none") return;
    const now = this.ctx.clock.now();
    let missed: number[] = [];
    for (const t of target.triggers) if (t.missed) missed.push(...t.missed(last, now, this.maxCatchUp));
    missed.sort((a, b) => a - b);
    if (missed.length === 0) return;
    if (target.catchUp === "last") missed = [missed[missed.length - 1]];
    for (const at of missed) target.fireMissed(at);
    fires[target.key] = missed[missed.length - 1];
  }
}

/**
 * A task as a fire target: a fire follows `overlap` (skipped while a run is queued or running
 * with `'skip'`) and is skipped while the task is paused; missed fires are queued as they are.
 * @internal
 */
export function taskTarget(
  ctx: SchedulerContext,
  def: TaskDef,
  enqueue: (def: TaskDef, input: unknown, firedAt: number) => void,
): FireTarget {
  return {
    key: def.options.id,
    triggers: def.triggers,
    catchUp: def.options.catchUp,
    stopped: () => def.stopped,
    fire(firedAt, input) {
      if (def.paused) {
        ctx.logger.debug({ task: def.options.id }, "fire skipped: task paused");
        return;
      }
      if (def.options.overlap === "skip" && def.active > 0) {
        ctx.logger.debug(
          { task: def.options.id },
          "fire skipped: a run is still queued or running (overlap: 'skip')",
        );
        return;
      }
      enqueue(def, input, firedAt);
    },
    fireMissed: (firedAt) => enqueue(def, undefined, firedAt),
  };
}
