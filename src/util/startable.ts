import { LifecycleError } from "../errors.js";

/** The lifecycle states of a service (see docs/scheduler.md, "Lifecycle and events"). */
export type LifecycleState = "READY" | "STARTING" | "STARTED" | "STOPPING" | "STOPPED";

/**
 * The start/stop model of every Mass service (scheduler, connectors), after
 * `@zimtsui/startable`: `READY -> STARTING -> STARTED -> STOPPING -> STOPPED`.
 *
 * - a second `start()` during STARTING joins the first (same promise); on a STARTED service it
 *   resolves at once;
 * - `stop()` during STARTING waits for the start to settle, then stops; a second `stop()` joins
 *   the first; `stop()` on a READY service goes straight to STOPPED;
 * - a start that throws stops the service with that error as the reason, and rejects;
 * - `assertStarted(action)` throws a {@link LifecycleError} naming the action and the state;
 * - a child adopted with `adopt(child)` that stops on its own stops its parent, and the
 *   stop reason (an Error, or nothing) reaches the parent's `onStopping(reason)`.
 *
 * Subclasses implement `onStarting()` and `onStopping(reason)`.
 */
export abstract class Startable {
  private lifecycle: LifecycleState = "READY";
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly children = new Set<Startable>();
  private readonly stopListeners: ((reason?: Error) => void)[] = [];
  /** The reason given to the stop that is under way or done. */
  stopReason?: Error;

  /** A name for messages. */
  protected abstract get serviceName(): string;
  /** Starts the service's resources. Throwing stops it. */
  protected abstract onStarting(): Promise<void> | void;
  /** Releases the service's resources; `reason` is why it stops (an Error, or nothing). */
  protected abstract onStopping(reason?: Error): Promise<void> | void;

  /** The current state. */
  get state(): LifecycleState {
    return this.lifecycle;
  }

  /**
   * Starts (or joins a start under way).
   * @throws LifecycleError when the service is STOPPING or STOPPED; the start's own error when it fails.
   */
  start(): Promise<void> {
    if (this.lifecycle === "STARTED") return Promise.resolve();
    if (this.lifecycle === "STARTING") return this.starting!;
    if (this.lifecycle !== "READY") {
      return Promise.reject(
        new LifecycleError(
          `${this.serviceName}: cannot start while ${this.lifecycle}; create a new instance`,
        ),
      );
    }
    this.lifecycle = "STARTING";
    this.starting = (async () => {
      try {
        await this.onStarting();
      } catch (err) {
        const reason = err instanceof Error ? err : new Error(String(err));
        this.lifecycle = "STARTED";
        await this.stop(reason);
        throw err;
      }
      this.lifecycle = "STARTED";
    })();
    return this.starting;
  }

  /**
   * Stops (or joins a stop under way); during STARTING, waits for the start first.
   * @param reason - why (reaches `onStopping`).
   */
  stop(reason?: Error): Promise<void> {
    if (this.lifecycle === "STOPPED") return Promise.resolve();
    if (this.lifecycle === "STOPPING") return this.stopping!;
    if (this.lifecycle === "READY") {
      this.lifecycle = "STOPPED";
      this.stopReason = reason;
      this.notifyStopped(reason);
      return Promise.resolve();
    }
    if (this.lifecycle === "STARTING") {
      this.stopping = this.starting!.then(
        () => this.stop(reason),
        () => undefined,
      );
      return this.stopping;
    }
    this.lifecycle = "STOPPING";
    this.stopReason = reason;
    this.stopping = (async () => {
      try {
        await this.onStopping(reason);
      } finally {
        this.lifecycle = "STOPPED";
        this.notifyStopped(reason);
      }
    })();
    return this.stopping;
  }

  /**
   * Throws unless STARTED.
   * @throws LifecycleError `"<service>.<action> needs STARTED; it is <state>"`.
   */
  assertStarted(action: string): void {
    if (this.lifecycle !== "STARTED") {
      throw new LifecycleError(
        `${this.serviceName}.${action} needs the service STARTED; it is ${this.lifecycle}`,
      );
    }
  }

  /** Registers a callback for when this service reaches STOPPED. */
  onStopped(fn: (reason?: Error) => void): void {
    this.stopListeners.push(fn);
  }

  /** Makes `child` stop this service when it stops on its own (not because this one stops). */
  adopt(child: Startable): void {
    this.children.add(child);
    child.onStopped((reason) => {
      this.children.delete(child);
      if (this.lifecycle === "STARTING" || this.lifecycle === "STARTED") void this.stop(reason);
    });
  }

  private notifyStopped(reason?: Error): void {
    for (const fn of this.stopListeners.splice(0)) fn(reason);
  }
}
