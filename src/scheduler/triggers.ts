import type { EventEmitter } from "node:events";
import { Cron } from "croner";
import { ConfigError } from "../errors.js";
import type { Clock } from "../util/clock.js";

/** What a trigger calls. @internal */
export interface TriggerContext {
  readonly clock: Clock;
  /** Fires the task (firedAt epoch ms, optional input). */
  fire(firedAt: number, input?: unknown): void;
  /** Registers a named scheduler signal listener; returns the unregister function. */
  onSignal(name: string, fn: (payload: unknown) => void): () => void;
}

/** A trigger: one-shot (`at`) or repeatable (`every`, `atEvery`, `on`). @internal */
export interface Trigger {
  readonly kind: string;
  /** Repeatable triggers follow `overlap`; `every` and cron also `catchUp`. */
  readonly repeatable: boolean;
  arm(ctx: TriggerContext): void;
  disarm(): void;
  /** Fire times missed in `(last, now]`, at most `max` (time triggers only). */
  missed?(last: number, now: number, max: number): number[];
  /** The next fire time while armed (epoch ms), for time triggers; `undefined` otherwise. */
  nextFireAt?(): number | undefined;
  /** One line for people and the control plane, e.g. `"every 1000 ms"`, `"cron 0 9 * * * (Europe/Paris)"`. */
  describe(): string;
}

/**
 * The earliest next fire time of the armed time triggers among `triggers` (epoch ms), or
 * `undefined` when none is armed (signal and emitter triggers have none). @internal
 */
export function earliestFireAt(triggers: readonly Trigger[]): number | undefined {
  let next: number | undefined;
  for (const t of triggers) {
    const at = t.nextFireAt?.();
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** Longest single timer: setTimeout's limit (2^31 - 1 ms, ~24.8 days); longer waits re-arm. */
const MAX_DELAY = 2 ** 31 - 1;

abstract class TimeTrigger implements Trigger {
  abstract readonly kind: string;
  abstract readonly repeatable: boolean;
  private handle: unknown = null;
  private ctx: TriggerContext | null = null;
  private nextAt: number | undefined = undefined;
  /** Next fire time after `from`, or +Infinity. */
  protected abstract next(from: number): number;
  abstract describe(): string;

  nextFireAt(): number | undefined {
    return this.nextAt;
  }

  arm(ctx: TriggerContext): void {
    this.ctx = ctx;
    this.schedule(this.next(ctx.clock.now()));
  }

  private schedule(at: number): void {
    const ctx = this.ctx;
    this.nextAt = ctx !== null && Number.isFinite(at) ? at : undefined;
    if (ctx === null || !Number.isFinite(at)) return;
    const delay = Math.max(0, at - ctx.clock.now());
    this.handle = ctx.clock.setTimeout(
      () => {
        this.handle = null;
        this.nextAt = undefined;
        if (this.ctx === null) return;
        if (ctx.clock.now() < at) return this.schedule(at);
        ctx.fire(at);
        if (this.repeatable) this.schedule(this.next(at));
      },
      Math.min(delay, MAX_DELAY),
    );
  }

  disarm(): void {
    if (this.handle !== null) this.ctx?.clock.clearTimeout(this.handle);
    this.handle = null;
    this.ctx = null;
    this.nextAt = undefined;
  }

  missed(last: number, now: number, max: number): number[] {
    const out: number[] = [];
    for (let t = this.next(last); t <= now && out.length < max; t = this.next(t)) out.push(t);
    return out;
  }
}

/** `at(date)`: once, at `date` (at start, if it is already past). */
export class AtTrigger extends TimeTrigger {
  readonly kind = "at";
  readonly repeatable = false;
  private done = false;
  constructor(private readonly at: number) {
    super();
  }
  protected next(from: number): number {
    if (this.done) return Number.POSITIVE_INFINITY;
    this.done = from >= this.at;
    return Math.max(this.at, from);
  }
  override missed(): number[] {
    return [];
  }
  describe(): string {
    return `at ${new Date(this.at).toISOString()}`;
  }
}

/** `every(ms)`: every `ms` from when it is armed. */
export class EveryTrigger extends TimeTrigger {
  readonly kind = "every";
  readonly repeatable = true;
  constructor(private readonly ms: number) {
    super();
  }
  protected next(from: number): number {
    return from + this.ms;
  }
  describe(): string {
    return `every ${this.ms} ms`;
  }
}

/**
 * `atEvery(cron, { tz })`: cron expression with optional seconds field, in a time zone (croner).
 * Both are checked here, when the trigger is made, so a bad one never reaches `start()`.
 * @throws ConfigError for an invalid expression or an unknown time zone.
 */
export class CronTrigger extends TimeTrigger {
  readonly kind = "cron";
  readonly repeatable = true;
  private readonly cron: Cron;
  constructor(
    private readonly expression: string,
    private readonly tz?: string,
  ) {
    super();
    const where = `atEvery(${JSON.stringify(expression)}${tz === undefined ? "" : `, { tz: ${JSON.stringify(tz)} }`})`;
    if (tz !== undefined) checkTimeZone(where, tz);
    try {
      this.cron = new Cron(expression, { paused: true, ...(tz === undefined ? {} : { timezone: tz }) });
      this.cron.nextRun(); // croner reports some errors (time zones, impossible dates) only here
    } catch (err) {
      throw new ConfigError(`${where}: not a valid cron expression: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  protected next(from: number): number {
    const d = this.cron.nextRun(new Date(from));
    return d === null ? Number.POSITIVE_INFINITY : d.getTime();
  }
  describe(): string {
    return `cron ${this.expression}${this.tz === undefined ? "" : ` (${this.tz})`}`;
  }
}

/** Throws a ConfigError unless `tz` is an IANA time zone this runtime knows. */
function checkTimeZone(where: string, tz: unknown): void {
  if (typeof tz !== "string" || tz.length === 0) {
    throw new ConfigError(`${where}: options.tz must be an IANA time zone name such as "Europe/Paris"`, {
      option: "tz",
    });
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch (err) {
    throw new ConfigError(
      `${where}: unknown time zone ${JSON.stringify(tz)}; give an IANA name such as "Europe/Paris" or "UTC"`,
      { option: "tz", cause: err },
    );
  }
}

/** `on(name)`: each `scheduler.signal(name, payload)` fires a run with `payload` as input. */
export class SignalTrigger implements Trigger {
  readonly kind = "signal";
  readonly repeatable = true;
  private off: (() => void) | null = null;
  constructor(private readonly name: string) {}
  arm(ctx: TriggerContext): void {
    this.off = ctx.onSignal(this.name, (payload) => ctx.fire(ctx.clock.now(), payload));
  }
  disarm(): void {
    this.off?.();
    this.off = null;
  }
  describe(): string {
    return `signal ${this.name}`;
  }
}

/** `on(emitter, event)`: each event fires a run with its first argument as input (also `on(process, 'SIGHUP')`). */
export class EmitterTrigger implements Trigger {
  readonly kind = "event";
  readonly repeatable = true;
  private listener: ((payload: unknown) => void) | null = null;
  constructor(
    private readonly emitter: EventEmitter | NodeJS.Process,
    private readonly event: string,
  ) {}
  arm(ctx: TriggerContext): void {
    this.listener = (payload: unknown) => ctx.fire(ctx.clock.now(), payload);
    (this.emitter as EventEmitter).on(this.event, this.listener);
  }
  disarm(): void {
    if (this.listener !== null) (this.emitter as EventEmitter).off(this.event, this.listener);
    this.listener = null;
  }
  describe(): string {
    return `event ${this.event}`;
  }
}
