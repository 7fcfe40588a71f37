import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, Sink, silentLogger } from "../../../src/index.js";
import {
  type ControlServer,
  Graph,
  type Proceed,
  type ProgressEvent,
  Scheduler,
  type SchedulerEvent,
  StreamTask,
} from "../../../src/scheduler/index.js";
import { launchChromium } from "./browser.js";

const TOKEN = "dashboard-e2e-token";
let browser: Browser;
let scheduler: Scheduler;
let server: ControlServer;
const requests: string[] = [];

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
}

function nextEvent(pred: (e: SchedulerEvent) => boolean): Promise<SchedulerEvent> {
  return new Promise((resolve) => {
    const fn = (e: SchedulerEvent) => {
      if (!pred(e)) return;
      scheduler.off("*", fn);
      resolve(e);
    };
    scheduler.on("*", fn);
  });
}

const steps = [gate(), gate(), gate(), gate()];
let cleanFails = true;
let etlInstance = "";
const streamRelease = gate();

class Counter extends Sink<number> {
  n = 0;
  async produce(elems: number[]) {
    this.n += elems.length;
  }
}

class Clicks extends StreamTask {
  streamProcessExecutor(env: Env) {
    async function* clicks() {
      for (let i = 0; i < 50; i++) yield i;
      await streamRelease.p;
    }
    env
      .from(clicks())
      .filter((x: number) => x % 2 === 0)
      .to(new Counter());
  }
}

beforeAll(async () => {
  scheduler = new Scheduler({ logger: silentLogger });
  scheduler
    .spawnTask({ name: "daily-report", executor() {} }, { description: "mails the report" })
    .every(3_600_000);
  scheduler.spawnTask(
    {
      name: "import",
      async executor(_i: unknown, proceed: Proceed) {
        for (let i = 0; i < steps.length; i++) {
          await steps[i].p;
          await proceed({ now: i + 1, total: steps.length });
        }
      },
    },
    { id: "import" },
  );
  scheduler.spawnTask(
    { name: "flaky-export", executor: () => Promise.reject(new Error("upstream 503")) },
    { id: "flaky-export" },
  );
  scheduler.spawnTask(Clicks, { id: "clicks" });
  const etl = scheduler.spawnGraph(
    new Graph("etl")
      .node("extract", { executor: () => ({ rows: 3 }) })
      .node(
        "clean",
        {
          executor: () => {
            if (cleanFails) throw new Error("dirty rows");
            return { rows: 2 };
          },
        },
        { after: "extract" },
      )
      .node("stats", { executor: () => ({ mean: 1 }) }, { after: "extract" })
      .node("load", { executor: () => ({ loaded: true }) }, { after: ["clean", "stats"] }),
  );
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, logger: silentLogger });
  scheduler.task("flaky-export")!.sched();
  await scheduler.idle();
  etlInstance = etl.sched();
  expect((await etl.whenDone(etlInstance)).status).toBe("failed");
  browser = await launchChromium();
});

afterAll(async () => {
  streamRelease.open();
  for (const s of steps) s.open();
  await browser?.close();
  await server?.close();
  await scheduler?.stop();
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(server.url);
  return page;
}

describe("dashboard in headless Chromium", () => {
  it("a page load shows the tasks with their next fire times, and the dead letters", async () => {
    const page = await openPage();
    for (const id of ["daily-report", "import", "flaky-export", "clicks"])
      await page.locator(`tr[data-task="${id}"]`).waitFor();
    const report = page.locator('tr[data-task="daily-report"]');
    await expect(report.locator("td").nth(3).textContent()).resolves.toBe("every 3600000 ms");
    await expect(report.locator("td.next-fire").textContent()).resolves.toMatch(/^in (59 min|1 h)/);
    await expect(page.locator('tr[data-task="clicks"] td').nth(1).textContent()).resolves.toBe("stream");
    const dl = page.locator("tr[data-dead-letter]");
    await dl.first().waitFor();
    await expect(dl.first().locator("td").nth(2).textContent()).resolves.toBe("Error: upstream 503");
    // nothing was fetched from outside the control plane
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
    await page.close();
  });

  it("a run's progress bar and remaining time update live, without a reload", async () => {
    const page = await openPage();
    await page.locator("#live.on").waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 42;
    });
    const runId = scheduler.task("import")!.sched()!;
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor();
    for (const [i, pct] of [
      [0, 25],
      [1, 50],
    ] as const) {
      const progressed = nextEvent((e) => e.type === "progress" && (e as ProgressEvent).now === i + 1);
      steps[i].open();
      await progressed;
      await row.locator(`.bar[data-progress="${pct}"]`).waitFor();
      await expect(row.locator(".bar span").textContent()).resolves.toBe(`${pct}% (${i + 1}/4)`);
      await expect(row.locator("td.remaining").textContent()).resolves.toMatch(/ms|s$/);
    }
    await expect(row.getAttribute("data-status")).resolves.toBe("running");
    // the same document all along: a reload would have dropped the marker
    await expect(page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).resolves.toBe(
      42,
    );

    // the stream task's topology and counters
    scheduler.task("clicks")!.sched();
    const stream = page.locator('[data-stream="clicks"]');
    await stream.locator('g[data-node^="source"]').waitFor({ timeout: 20_000 });
    await expect(stream.locator("svg").textContent()).resolves.toMatch(/filter/);
    await expect(stream.locator('g[data-node^="sink"]').textContent()).resolves.toMatch(/in 25 · out \d+/);
    // throughput appears from the second snapshot on (the page refreshes every 3 s)
    await stream.locator("text", { hasText: "rec/s" }).first().waitFor({ timeout: 20_000 });

    await page.screenshot({ path: screenshotPath(), fullPage: true });
    const done = nextEvent((e) => e.type === "lifecycle" && e.runId === runId && e.status === "finished");
    steps[2].open();
    steps[3].open();
    await done;
    await row.locator('.bar[data-progress="100"]').waitFor();
    await expect(row.getAttribute("data-status")).resolves.toBe("finished");
    await page.close();
  });

  it("an action without the token, or with a wrong one, is refused; with the token it is done", async () => {
    const page = await openPage();
    const row = page.locator('tr[data-task="daily-report"]');
    await row.waitFor();
    // no token: the page asks; an empty answer sends the request without one
    await row.locator('button[data-action="pause"]').click();
    await page.locator("#token-dialog[open]").waitFor();
    await page.locator("#token-input").fill("");
    await page.locator("#token-ok").click();
    await page.locator("#notice", { hasText: "refused (401)" }).waitFor();
    expect(scheduler.task("daily-report")!.paused).toBe(false);
    // a wrong token: refused too
    await row.locator('button[data-action="pause"]').click();
    await page.locator("#token-dialog[open]").waitFor();
    await page.locator("#token-input").fill("not-the-token");
    await page.locator("#token-ok").click();
    await page.locator("#notice", { hasText: "refused (401)" }).waitFor();
    expect(scheduler.task("daily-report")!.paused).toBe(false);
    // the right token
    await row.locator('button[data-action="pause"]').click();
    await page.locator("#token-dialog[open]").waitFor();
    await page.locator("#token-input").fill(TOKEN);
    await page.locator("#token-ok").click();
    await page.locator("#notice.ok", { hasText: "pause daily-report: done" }).waitFor();
    expect(scheduler.task("daily-report")!.paused).toBe(true);
    await row.locator('button[data-action="resume"]').waitFor();
    // the token is kept for the session: replaying the dead letter asks nothing more
    const replayed = nextEvent(
      (e) => e.type === "lifecycle" && e.id === "flaky-export" && e.status === "failed",
    );
    await page.locator('tr[data-dead-letter] button[data-action="replay"]').first().click();
    await page.locator("#notice.ok", { hasText: /^replay .*: done$/ }).waitFor();
    await replayed;
    await page.close();
  });

  it("a graph instance is drawn with its node states; a rerun of the failed nodes from the page turns them green", async () => {
    const page = await openPage();
    const inst = page.locator(`[data-graph="etl"] [data-instance="${etlInstance}"]`);
    await inst.waitFor();
    await expect(inst.getAttribute("data-status")).resolves.toBe("failed");
    await inst.locator('g[data-node="clean"] rect.st-failed').waitFor();
    await inst.locator('g[data-node="load"] rect.st-skipped').waitFor();
    await inst.locator('g[data-node="extract"] rect.st-succeeded').waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 7;
    });
    cleanFails = false;
    await inst.locator('button[data-action="rerun-failed"]').click();
    await page.locator("#token-dialog[open]").waitFor();
    await page.locator("#token-input").fill(TOKEN);
    await page.locator("#token-ok").click();
    // live, without a reload: the failed and skipped nodes turn green, the instance succeeds
    await inst.locator('g[data-node="clean"] rect.st-succeeded').waitFor();
    await inst.locator('g[data-node="load"] rect.st-succeeded').waitFor();
    await page.locator(`[data-instance="${etlInstance}"][data-status="succeeded"]`).waitFor();
    await expect(page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).resolves.toBe(7);
    const rec = scheduler.graphInstance(etlInstance)!.instance;
    expect(rec.status).toBe("succeeded");
    expect(rec.reruns).toBe(1);
    expect(rec.nodes.extract.runs).toBe(1); // its output was reused
    // a node picked on the drawing: rerun it and its downstream
    const rerunDone = nextEvent(
      (e) =>
        e.type === "graph" &&
        e.instanceId === etlInstance &&
        e.node === undefined &&
        e.status === "succeeded",
    );
    await inst.locator('g[data-node="clean"]').click();
    await inst.locator('button[data-action="rerun-downstream"]').click();
    await page.locator("#notice.ok", { hasText: `rerun downstream clean of ${etlInstance}: done` }).waitFor();
    await rerunDone;
    const after = scheduler.graphInstance(etlInstance)!.instance;
    expect(after.reruns).toBe(2);
    expect([
      after.nodes.extract.runs,
      after.nodes.clean.runs,
      after.nodes.stats.runs,
      after.nodes.load.runs,
    ]).toEqual([1, 3, 1, 2]);
    await page.close();
  });
});

function screenshotPath(): string {
  const dir = new URL("../../../docs/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  return new URL("dashboard.png", dir).pathname;
}
