import { describe, expect, it } from "vitest";
import { LifecycleError } from "../../src/errors.js";
import { Scheduler, Startable } from "../../src/scheduler/index.js";

class Svc extends Startable {
  log: string[] = [];
  startGate: Promise<void> = Promise.resolve();
  failStart: Error | null = null;
  protected get serviceName() {
    return "svc";
  }
  protected async onStarting() {
    this.log.push("starting");
    await this.startGate;
    if (this.failStart) throw this.failStart;
    this.log.push("started");
  }
  protected async onStopping(reason?: Error) {
    this.log.push(`stopping:${reason?.message ?? "-"}`);
  }
}

const deferred = () => {
  let resolve!: () => void;
  const p = new Promise<void>((r) => {
    resolve = r;
  });
  return { p, resolve };
};

describe("lifecycle (READY -> STARTING -> STARTED -> STOPPING -> STOPPED)", () => {
  it("a second start during STARTING joins the first", async () => {
    const s = new Svc();
    const gate = deferred();
    s.startGate = gate.p;
    const a = s.start();
    const b = s.start();
    expect(a).toBe(b);
    expect(s.state).toBe("STARTING");
    gate.resolve();
    await Promise.all([a, b]);
    expect(s.state).toBe("STARTED");
    expect(s.log).toEqual(["starting", "started"]);
  });

  it("stop during STARTING waits for the start, then stops, with the reason", async () => {
    const s = new Svc();
    const gate = deferred();
    s.startGate = gate.p;
    const started = s.start();
    const stopped = s.stop(new Error("shutdown"));
    expect(s.state).toBe("STARTING");
    gate.resolve();
    await started;
    await stopped;
    expect(s.state).toBe("STOPPED");
    expect(s.log).toEqual(["starting", "started", "stopping:shutdown"]);
  });

  it("a second stop joins the first; stop on READY goes straight to STOPPED", async () => {
    const s = new Svc();
    await s.start();
    const a = s.stop();
    expect(s.stop()).toBe(a);
    await a;
    expect(s.log.filter((l) => l.startsWith("stopping"))).toHaveLength(1);
    const r = new Svc();
    await r.stop();
    expect(r.state).toBe("STOPPED");
    expect(r.log).toEqual([]);
  });

  it("a call that needs STARTED fails clearly in any other state; a stopped service does not restart", async () => {
    const s = new Svc();
    expect(() => s.assertStarted("signal()")).toThrow(
      new LifecycleError("svc.signal() needs the service STARTED; it is READY"),
    );
    await s.start();
    expect(() => s.assertStarted("signal()")).not.toThrow();
    await s.stop();
    expect(() => s.assertStarted("signal()")).toThrow(/it is STOPPED/);
    await expect(s.start()).rejects.toThrow(/cannot start while STOPPED/);
  });

  it("a failing start stops the service with that error as the reason", async () => {
    const s = new Svc();
    s.failStart = new Error("port in use");
    await expect(s.start()).rejects.toThrow("port in use");
    expect(s.state).toBe("STOPPED");
    expect(s.log).toEqual(["starting", "stopping:port in use"]);
  });

  it("a child that stops on its own stops its parent, the reason reaching onStopping", async () => {
    const parent = new Svc();
    const child = new Svc();
    await parent.start();
    await child.start();
    parent.adopt(child);
    const parentStopped = new Promise<Error | undefined>((r) => parent.onStopped(r));
    await child.stop(new Error("connection lost"));
    expect((await parentStopped)?.message).toBe("connection lost");
    expect(parent.state).toBe("STOPPED");
    expect(parent.log.at(-1)).toBe("stopping:connection lost");
  });

  it("the scheduler follows the same model", async () => {
    let loads = 0;
    const s = new Scheduler({
      concurrency: 1,
      store: {
        name: "counting",
        async load() {
          loads++;
          return { version: 1, data: {}, checkpoints: {}, deadLetters: [], fires: {} };
        },
        async save() {},
      },
    });
    expect(() => s.signal("x")).toThrow(/needs the service STARTED; it is READY/);
    await Promise.all([s.start(), s.start()]);
    expect(loads).toBe(1);
    expect(s.state).toBe("STARTED");
    await s.stop();
    expect(s.state).toBe("STOPPED");
    expect(() => s.signal("x")).toThrow(/it is STOPPED/);
  });
});
