import { describe, expect, it } from "vitest";
import {
  type EventClient,
  type EventFilter,
  EventHub,
  type PreparedEvent,
} from "../../../src/scheduler/control/event-hub.js";
import type { SchedulerEvent } from "../../../src/scheduler/index.js";

/** The scheduler side: counts listeners, emits by hand. */
class FakeSource {
  listeners = new Set<(e: SchedulerEvent) => void>();
  on(_t: "*", fn: (e: SchedulerEvent) => void) {
    this.listeners.add(fn);
  }
  off(_t: "*", fn: (e: never) => void) {
    this.listeners.delete(fn as (e: SchedulerEvent) => void);
  }
  emit(e: SchedulerEvent) {
    for (const fn of this.listeners) fn(e);
  }
}

class FakeClient implements EventClient {
  readonly kind = "sse";
  bytes = 0;
  received: PreparedEvent[][] = [];
  closed: string | null = null;
  private waiter: (() => void) | null = null;
  constructor(readonly filter: EventFilter = {}) {}
  buffered() {
    return this.bytes;
  }
  send(events: readonly PreparedEvent[]) {
    this.received.push([...events]);
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  ping() {}
  close(reason: string) {
    this.closed = reason;
  }
  nextSend(): Promise<void> {
    return new Promise((r) => {
      this.waiter = r;
    });
  }
}

const life = (id: string, runId: string, status: "running" | "finished"): SchedulerEvent => ({
  type: "lifecycle",
  id,
  runId,
  status,
  msg: status,
  occurAt: 1000,
  attempt: 1,
});
const prog = (id: string, runId: string, now: number): SchedulerEvent => ({
  type: "progress",
  id,
  runId,
  now,
  total: 10,
  progress: now / 10,
  startTime: 500,
  usedMs: now * 100,
  remainMs: (10 - now) * 100,
});

describe("EventHub", () => {
  it("listens to the scheduler only while it has clients", () => {
    const src = new FakeSource();
    const hub = new EventHub(src);
    expect(src.listeners.size).toBe(0);
    const a = new FakeClient();
    const b = new FakeClient();
    hub.add(a);
    hub.add(b);
    expect(src.listeners.size).toBe(1);
    hub.remove(a);
    expect(src.listeners.size).toBe(1);
    hub.remove(b);
    expect(src.listeners.size).toBe(0);
    hub.close();
  });

  it("sends events in order in one batch, a run's progress coalesced to its latest figures at its first place", async () => {
    const src = new FakeSource();
    const hub = new EventHub(src, { flushMs: 5 });
    const c = new FakeClient();
    hub.add(c);
    const sent = c.nextSend();
    src.emit(prog("t", "r1", 1));
    src.emit(life("t", "r2", "running"));
    src.emit(prog("t", "r1", 2));
    src.emit(prog("t", "r2", 7));
    src.emit(prog("t", "r1", 3));
    await sent;
    expect(c.received).toHaveLength(1);
    expect(c.received[0].map((p) => JSON.parse(p.json))).toEqual([
      {
        type: "progress",
        id: "t",
        runId: "r1",
        now: 3,
        total: 10,
        progress: 0.3,
        startTime: 500,
        usedTime: 300,
        remainTime: 700,
      },
      {
        type: "lifecycle",
        id: "t",
        runId: "r2",
        status: "running",
        msg: "running",
        occurAt: 1000,
        attempt: 1,
      },
      expect.objectContaining({ type: "progress", runId: "r2", now: 7 }),
    ]);
    // sequence numbers (SSE ids) follow the sending order
    expect(c.received[0].map((p) => p.seq)).toEqual([1, 2, 3]);
    hub.close();
  });

  it("filters by event type and task", async () => {
    const src = new FakeSource();
    const hub = new EventHub(src, { flushMs: 1 });
    const onlyLife = new FakeClient({ types: new Set(["lifecycle"]) });
    const onlyB = new FakeClient({ tasks: new Set(["b"]) });
    const all = new FakeClient();
    for (const c of [onlyLife, onlyB, all]) hub.add(c);
    const sent = all.nextSend();
    src.emit(life("a", "a1", "running"));
    src.emit(prog("b", "b1", 1));
    src.emit(life("b", "b1", "finished"));
    await sent;
    const ids = (c: FakeClient) =>
      c.received
        .flat()
        .map((p) => `${p.event.type}:${"runId" in p.event ? p.event.runId : p.event.instanceId}`);
    expect(ids(all)).toEqual(["lifecycle:a1", "progress:b1", "lifecycle:b1"]);
    expect(ids(onlyLife)).toEqual(["lifecycle:a1", "lifecycle:b1"]);
    expect(ids(onlyB)).toEqual(["progress:b1", "lifecycle:b1"]);
    hub.close();
  });

  it("disconnects a client whose buffer is over the limit; the others go on", async () => {
    const src = new FakeSource();
    const hub = new EventHub(src, { flushMs: 1, maxBufferBytes: 1000 });
    const slow = new FakeClient();
    const fast = new FakeClient();
    hub.add(slow);
    hub.add(fast);
    const drops: string[] = [];
    hub.on("drop", (_c: EventClient, reason: string) => drops.push(reason));
    slow.bytes = 1000; // at the limit: still served
    let sent = fast.nextSend();
    src.emit(life("t", "r1", "running"));
    await sent;
    expect(slow.received).toHaveLength(1);
    slow.bytes = 1001;
    sent = fast.nextSend();
    src.emit(life("t", "r1", "finished"));
    await sent;
    expect(slow.received).toHaveLength(1);
    expect(slow.closed).toMatch(/slow event client: 1001 bytes buffered, over the limit of 1000/);
    expect(drops).toEqual([slow.closed]);
    expect(hub.dropped).toBe(1);
    expect(hub.size).toBe(1);
    expect(fast.received.flat().map((p) => p.event.type)).toEqual(["lifecycle", "lifecycle"]);
    hub.close();
    expect(fast.closed).toBe("server closing");
  });

  it("flushes at once when maxPending events wait, and refuses clients beyond maxClients", () => {
    const src = new FakeSource();
    const hub = new EventHub(src, { flushMs: 60_000, maxPending: 3, maxClients: 1 });
    const c = new FakeClient();
    expect(hub.add(c)).toBe(true);
    expect(hub.add(new FakeClient())).toBe(false);
    src.emit(life("t", "r1", "running"));
    src.emit(life("t", "r2", "running"));
    expect(c.received).toHaveLength(0);
    src.emit(life("t", "r3", "running"));
    expect(c.received.flat()).toHaveLength(3);
    hub.close();
  });
});
