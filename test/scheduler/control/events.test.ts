import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type ControlServer,
  type Proceed,
  Scheduler,
  type TaskBus,
  VirtualClock,
} from "../../../src/scheduler/index.js";
import { call, gate, nextEvent, quiet, SseReader } from "./control-helpers.js";

const TOKEN = "event-test-token-42";
const T0 = Date.UTC(2026, 0, 1);
let scheduler: Scheduler;
let server: ControlServer;
const readers: SseReader[] = [];

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await server?.close();
  await scheduler?.stop();
});

function reader() {
  const r = new SseReader();
  readers.push(r);
  return r;
}

/** A task that reports progress 1..4 of 4, advancing the virtual clock 100 ms before each step. */
function steppingTask(clock: VirtualClock) {
  return {
    name: "steps",
    async executor(_input: unknown, proceed: Proceed) {
      for (let i = 1; i <= 4; i++) {
        await clock.advance(100);
        await proceed({ now: i, total: 4 });
      }
    },
  };
}

describe("live events over SSE", () => {
  it("streams lifecycle and progress events in the batch component's shapes", async () => {
    const clock = new VirtualClock(T0);
    scheduler = new Scheduler({ clock, ...quiet });
    scheduler.spawnTask(steppingTask(clock), { id: "steps" });
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: TOKEN, eventFlushMs: 0, ...quiet });
    const sse = await reader().open(`${server.url}/events`);
    expect(sse.status).toBe(200);
    const runId = scheduler.task("steps")!.sched()!;
    await sse.waitFor((e) => e.type === "lifecycle" && e.data.status === "finished");
    const life = sse.events.filter((e) => e.type === "lifecycle").map((e) => e.data);
    expect(life.map((e) => e.status)).toEqual(["init", "running", "finished"]);
    for (const e of life) {
      expect(Object.keys(e).sort()).toEqual(["attempt", "id", "msg", "occurAt", "runId", "status", "type"]);
      expect(e).toMatchObject({ id: "steps", runId, attempt: 1 });
    }
    expect(life[2].occurAt).toBe(T0 + 400);
    const progress = sse.events.filter((e) => e.type === "progress").map((e) => e.data);
    // progress of one run may be coalesced between flushes, never reordered; the last one is exact
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const nows = progress.map((p) => p.now as number);
    expect(nows).toEqual([...nows].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({
      type: "progress",
      id: "steps",
      runId,
      now: 4,
      total: 4,
      progress: 1,
      startTime: T0,
      usedTime: 400,
      remainTime: 0,
    });
    // ids grow with the sending order
    const ids = sse.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("?types= and ?tasks= filter the stream", async () => {
    const clock = new VirtualClock(T0);
    scheduler = new Scheduler({ clock, ...quiet });
    scheduler.spawnTask(steppingTask(clock), { id: "a" });
    scheduler.spawnTask({ name: "b", executor() {} }, { id: "b" });
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: TOKEN, eventFlushMs: 0, ...quiet });
    const onlyA = await reader().open(`${server.url}/events?tasks=a`);
    const onlyLife = await reader().open(`${server.url}/events?types=lifecycle`);
    const doneB = nextEvent(
      scheduler,
      (e) => e.type === "lifecycle" && e.id === "b" && e.status === "finished",
    );
    scheduler.task("b")!.sched();
    await doneB;
    scheduler.task("a")!.sched();
    await onlyA.waitFor((e) => e.type === "lifecycle" && e.data.status === "finished");
    await onlyLife.waitFor((e) => e.data.id === "a" && e.data.status === "finished");
    expect(new Set(onlyA.events.map((e) => e.data.id))).toEqual(new Set(["a"]));
    expect(onlyA.events.some((e) => e.type === "progress")).toBe(true);
    expect(new Set(onlyLife.events.map((e) => e.type))).toEqual(new Set(["lifecycle"]));
    expect(new Set(onlyLife.events.map((e) => e.data.id))).toEqual(new Set(["a", "b"]));
  });

  it("custom events from bus.emit reach the clients", async () => {
    scheduler = new Scheduler(quiet);
    scheduler.spawnTask(
      {
        name: "emitter",
        executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          bus.emit("batch-written", { rows: 42 });
        },
      },
      { id: "emitter" },
    );
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet });
    const sse = await reader().open(`${server.url}/events?types=custom`);
    scheduler.task("emitter")!.sched();
    await sse.waitFor((e) => e.type === "custom");
    expect(sse.events[0].data).toMatchObject({
      type: "custom",
      id: "emitter",
      event: "batch-written",
      payload: { rows: 42 },
    });
  });

  it("beyond maxEventClients a client gets 503", async () => {
    scheduler = new Scheduler(quiet);
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: TOKEN, maxEventClients: 1, ...quiet });
    expect((await reader().open(`${server.url}/events`)).status).toBe(200);
    const second = await call(`${server.url}/events`);
    expect(second.status).toBe(503);
    expect((second.body as { message: string }).message).toMatch(/too many event clients/);
  });

  it("a client that disconnects is removed", async () => {
    scheduler = new Scheduler(quiet);
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet });
    const joined = new Promise((r) => server.events.once("client", r));
    const sse = await reader().open(`${server.url}/events`);
    await joined;
    expect(server.events.size).toBe(1);
    const left = new Promise((r) => server.events.once("leave", r));
    sse.close();
    await left;
    expect(server.events.size).toBe(0);
  });

  it("a client that stops reading is disconnected once its buffer is full; the scheduler and other clients go on", async () => {
    scheduler = new Scheduler(quiet);
    const dropped = gate<string>();
    const fast = reader();
    const payload = "x".repeat(8 * 1024);
    const MAX = 20_000; // 160 MiB: far beyond any socket buffer; reaching it means the slow client was never dropped
    let emitted = 0;
    scheduler.spawnTask(
      {
        name: "chatty",
        async executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          let stop = false;
          void dropped.p.then(() => {
            stop = true;
          });
          for (let i = 0; i < MAX && !stop; i++) {
            bus.emit("chunk", { i, payload });
            emitted++;
            // lockstep with the reading client, so the only growing buffer is the slow client's
            await fast.waitFor(
              (e) =>
                e.type === "custom" &&
                e.data.payload !== undefined &&
                (e.data.payload as { i: number }).i === i,
            );
          }
        },
      },
      { id: "chatty" },
    );
    await scheduler.start();
    server = await scheduler.serve({
      port: 0,
      token: TOKEN,
      eventBufferBytes: 256 * 1024,
      eventFlushMs: 0,
      ...quiet,
    });
    server.events.on("drop", (_c: unknown, reason: string) => dropped.open(reason));
    await fast.open(`${server.url}/events?types=custom`);
    // the slow client: sends the request, then never reads its socket
    const slow = connect({ host: "127.0.0.1", port: server.port });
    await new Promise<void>((r) => slow.once("connect", () => r()));
    const joined = new Promise((r) => server.events.once("client", r));
    slow.write(`GET /events?types=custom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    slow.pause();
    await joined;
    expect(server.events.size).toBe(2);

    const finished = nextEvent(scheduler, (e) => e.type === "lifecycle" && e.status === "finished");
    scheduler.task("chatty")!.sched();
    const reason = await dropped.p;
    await finished;
    slow.destroy();
    expect(reason).toMatch(/^slow event client: \d+ bytes buffered, over the limit of 262144$/);
    expect(emitted).toBeLessThan(MAX);
    expect(server.events.dropped).toBe(1);
    expect(server.events.size).toBe(1);
    // the reading client got every event, in order, none lost
    const got = fast.events.map((e) => (e.data.payload as { i: number }).i);
    expect(got).toEqual(Array.from({ length: emitted }, (_, i) => i));
  });
});

describe("live events over WebSocket", () => {
  it("one message per event; off loopback the token goes in a bearer.<base64url> subprotocol", async () => {
    const clock = new VirtualClock(T0);
    scheduler = new Scheduler({ clock, ...quiet });
    scheduler.spawnTask(steppingTask(clock), { id: "steps" });
    await scheduler.start();
    server = await scheduler.serve({ host: "0.0.0.0", port: 0, token: TOKEN, eventFlushMs: 0, ...quiet });
    const url = `ws://127.0.0.1:${server.port}/ws?types=lifecycle,progress`;

    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    expect(refused).toBe(401);
    const wrong = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, [`bearer.${Buffer.from("not-the-token").toString("base64url")}`]);
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    expect(wrong).toBe(401);

    const ws = new WebSocket(url, [`bearer.${Buffer.from(TOKEN).toString("base64url")}`]);
    const messages: Record<string, unknown>[] = [];
    const finished = new Promise<void>((resolve) =>
      ws.on("message", (data) => {
        const e = JSON.parse(String(data));
        messages.push(e);
        if (e.type === "lifecycle" && e.status === "finished") resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    expect(ws.protocol).toBe(`bearer.${Buffer.from(TOKEN).toString("base64url")}`);
    const runId = scheduler.task("steps")!.sched()!;
    await finished;
    ws.close();
    expect(messages.filter((m) => m.type === "lifecycle").map((m) => m.status)).toEqual([
      "init",
      "running",
      "finished",
    ]);
    expect(messages.filter((m) => m.type === "progress").at(-1)).toEqual({
      type: "progress",
      id: "steps",
      runId,
      now: 4,
      total: 4,
      progress: 1,
      startTime: T0,
      usedTime: 400,
      remainTime: 0,
    });
  });
});
