import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { type ControlServer, Scheduler } from "../../../src/scheduler/index.js";
import { call, quiet } from "./control-helpers.js";

const TOKEN = "correct-horse-battery-staple";
let scheduler: Scheduler;
let server: ControlServer | undefined;

async function start(opts: Parameters<Scheduler["serve"]>[0] = {}) {
  scheduler = new Scheduler(quiet);
  scheduler.spawnTask({ name: "job", executor() {} });
  scheduler.spawnTask({ name: "ok", executor() {} });
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet, ...opts });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  await scheduler?.stop();
});

/** A body that leaks a stack trace: "at fn (file:line:col)" lines. */
const STACK = /\n\s+at .+:\d+:\d+/;

describe("bearer token", () => {
  it("every mutating route answers 401 without a token and with a wrong one, and does nothing", async () => {
    const s = await start();
    const routes: [string, string][] = [
      ["POST", "/tasks/job/run"],
      ["POST", "/tasks/job/pause"],
      ["POST", "/tasks/job/resume"],
      ["POST", "/tasks/job/stop"],
      ["POST", "/tasks/job/cancel"],
      ["POST", "/dead-letters/dl:x/replay"],
      ["DELETE", "/dead-letters/dl:x"],
    ];
    for (const [method, path] of routes) {
      for (const token of [undefined, "wrong", `${TOKEN}x`, TOKEN.replace(/.$/, "X"), ""]) {
        const headers: Record<string, string> = {};
        if (token !== undefined) headers.authorization = `Bearer ${token}`;
        const r = await call(s.url + path, { method, headers });
        expect(r.status, `${method} ${path} token=${token}`).toBe(401);
        expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="mass"/);
        expect((r.body as { message: string }).message).toMatch(/token/);
      }
      // another scheme is no token either
      const basic = await call(s.url + path, { method, headers: { authorization: `Basic ${TOKEN}` } });
      expect(basic.status).toBe(401);
    }
    const job = scheduler.task("job")!;
    expect(job.paused).toBe(false);
    expect(job.stopped).toBe(false);
    expect(scheduler.runs()).toEqual([]);
  });

  it("the right token is accepted", async () => {
    const s = await start();
    const r = await call(`${s.url}/tasks/job/pause`, { method: "POST", token: TOKEN });
    expect(r.status).toBe(200);
    expect(scheduler.task("job")!.paused).toBe(true);
  });

  it("reads need no token on loopback", async () => {
    const s = await start();
    expect(s.loopback).toBe(true);
    for (const path of ["/tasks", "/runs", "/dead-letters", "/streams", "/info", "/metrics", "/"])
      expect((await call(s.url + path)).status, path).toBe(200);
  });

  it("without a token option on loopback a random one is generated", async () => {
    scheduler = new Scheduler(quiet);
    scheduler.spawnTask({ name: "job", executor() {} });
    await scheduler.start();
    const prev = process.env.MASS_TOKEN;
    delete process.env.MASS_TOKEN;
    try {
      server = await scheduler.serve({ port: 0, ...quiet });
    } finally {
      if (prev !== undefined) process.env.MASS_TOKEN = prev;
    }
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await call(`${server.url}/tasks/job/pause`, { method: "POST" })).status).toBe(401);
    expect(
      (await call(`${server.url}/tasks/job/pause`, { method: "POST", token: server.token })).status,
    ).toBe(200);
  });

  it("a token shorter than 8 characters and unknown options are ConfigErrors", async () => {
    scheduler = new Scheduler(quiet);
    await scheduler.start();
    await expect(scheduler.serve({ port: 0, token: "short" })).rejects.toThrow(ConfigError);
    await expect(scheduler.serve({ port: 0, token: TOKEN, prot: 1 } as never)).rejects.toThrow(
      /unknown option "prot" \(did you mean "port"\?\)/,
    );
  });
});

describe("binding", () => {
  it("listens on 127.0.0.1 by default: not reachable on the machine's other addresses", async () => {
    const s = await start();
    expect(s.host).toBe("127.0.0.1");
    expect(s.app.server.address()).toMatchObject({ address: "127.0.0.1" });
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal && a.family === "IPv4")
      .map((a) => a!.address);
    for (const address of external) {
      const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const sock = connect({ host: address, port: s.port });
        sock.once("connect", () => {
          sock.destroy();
          resolve(null);
        });
        sock.once("error", resolve);
      });
      expect(err?.code, `connect to ${address}:${s.port}`).toBe("ECONNREFUSED");
    }
  });

  it("on loopback, a Host header that is not a loopback name is refused (DNS rebinding)", async () => {
    const s = await start();
    const ask = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port: s.port, path: "/tasks", headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await ask("evil.example:80")).toBe(403);
    expect(await ask("127.0.0.1.nip.io")).toBe(403);
    expect(await ask(`127.0.0.1:${s.port}`)).toBe(200);
    expect(await ask(`localhost:${s.port}`)).toBe(200);
    expect(await ask(`[::1]:${s.port}`)).toBe(200);
  });

  it("off loopback, a token is required to start and reads need it too (the page itself excepted)", async () => {
    scheduler = new Scheduler(quiet);
    await scheduler.start();
    const prev = process.env.MASS_TOKEN;
    delete process.env.MASS_TOKEN;
    try {
      await expect(scheduler.serve({ host: "0.0.0.0", port: 0 })).rejects.toThrow(/not loopback.*token/);
    } finally {
      if (prev !== undefined) process.env.MASS_TOKEN = prev;
    }
    await scheduler.stop();
    const s = await start({ host: "0.0.0.0" });
    expect(s.loopback).toBe(false);
    const url = `http://127.0.0.1:${s.port}`;
    for (const path of ["/tasks", "/runs", "/dead-letters", "/streams", "/info", "/metrics", "/events"]) {
      expect((await call(url + path)).status, path).toBe(401);
      expect((await call(url + path, { token: "nope-nope-nope" })).status, path).toBe(401);
    }
    expect((await call(`${url}/tasks`, { token: TOKEN })).status).toBe(200);
    expect((await call(`${url}/`)).status).toBe(200);
    expect((await call(`${url}/dashboard/app.js`)).status).toBe(200);
  });
});

describe("malformed requests: 400 or 404 naming the problem, never a 500 or a stack", () => {
  it("bodies, params and queries", async () => {
    const s = await start();
    const auth = { token: TOKEN };
    const cases: {
      method: string;
      path: string;
      body?: string;
      type?: string;
      status: number;
      re: RegExp;
    }[] = [
      { method: "POST", path: "/tasks/job/run", body: "{not json", status: 400, re: /JSON/ },
      { method: "POST", path: "/tasks/job/run", body: '{"inptu": 1}', status: 400, re: /body\.inptu/ },
      { method: "POST", path: "/tasks/job/run", body: "[1, 2]", status: 400, re: /body must be object/ },
      { method: "POST", path: "/tasks/job/run", body: '"x"', status: 400, re: /body must be object/ },
      { method: "POST", path: "/tasks/job/stop", body: '{"reason": 42}', status: 400, re: /body\.reason/ },
      { method: "POST", path: "/tasks/job/pause", body: '{"x": 1}', status: 400, re: /body\.x/ },
      {
        method: "POST",
        path: "/tasks/job/run",
        body: "input=1",
        type: "application/x-www-form-urlencoded",
        status: 415,
        re: /content-type/i,
      },
      { method: "POST", path: "/tasks/nope/run", body: "{}", status: 404, re: /no task "nope"/ },
      { method: "POST", path: "/tasks/nope/pause", status: 404, re: /no task "nope"/ },
      { method: "GET", path: "/tasks/nope", status: 404, re: /no task "nope"/ },
      { method: "GET", path: "/runs/nope", status: 404, re: /no run "nope"/ },
      { method: "GET", path: "/streams/job", status: 404, re: /not a stream task/ },
      { method: "POST", path: "/dead-letters/dl:nope/replay", status: 404, re: /no dead letter "dl:nope"/ },
      { method: "DELETE", path: "/dead-letters/dl:nope", status: 404, re: /no dead letter/ },
      { method: "GET", path: "/runs?limit=abc", status: 400, re: /querystring\.limit must be an integer/ },
      { method: "GET", path: "/runs?limit=0", status: 400, re: /querystring\.limit/ },
      { method: "GET", path: "/runs?status=bogus", status: 400, re: /querystring\.status/ },
      { method: "GET", path: "/runs?colour=red", status: 400, re: /querystring\.colour: unknown field/ },
      { method: "GET", path: "/events?types=lifecycle,bogus", status: 400, re: /querystring\.types/ },
      { method: "GET", path: "/tasks/%E0%A4%A", status: 400, re: /valid url/ },
      { method: "GET", path: `/tasks/${"x".repeat(600)}`, status: 400, re: /params\.id/ },
      { method: "GET", path: "/no/such/route", status: 404, re: /no route GET \/no\/such\/route/ },
      { method: "PUT", path: "/tasks/job/run", status: 404, re: /no route PUT/ },
    ];
    for (const c of cases) {
      const headers: Record<string, string> = {};
      if (c.body !== undefined) headers["content-type"] = c.type ?? "application/json";
      const r = await call(s.url + c.path, { method: c.method, headers, body: c.body, ...auth });
      const what = `${c.method} ${c.path} ${c.body ?? ""}`;
      expect(r.status, what).toBe(c.status);
      expect((r.body as { message: string }).message, what).toMatch(c.re);
      expect(r.text, what).not.toMatch(STACK);
    }
    const big = await call(`${s.url}/tasks/job/run`, {
      method: "POST",
      json: { input: "x".repeat(2 << 20) },
      ...auth,
    });
    expect(big.status).toBe(413);
    expect(big.text).not.toMatch(STACK);
    // the scheduler is untouched by all of this
    expect(scheduler.runs()).toEqual([]);
    expect(scheduler.task("job")!.paused).toBe(false);
  });

  it("a route that fails unexpectedly answers 500 without the error's text or stack", async () => {
    const s = await start();
    scheduler.runs = () => {
      throw new Error("secret internals at /srv/app.js:1:1");
    };
    const r = await call(`${s.url}/runs`);
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ statusCode: 500, error: "Internal Server Error", message: expect.any(String) });
    expect(r.text).not.toMatch(/secret|\/srv/);
  });
});
