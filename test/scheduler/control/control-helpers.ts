import { get as httpGet } from "node:http";
import { silentLogger } from "../../../src/index.js";
import type { Scheduler, SchedulerEvent } from "../../../src/scheduler/index.js";

export const quiet = { logger: silentLogger };

/** A promise the test resolves by hand. */
export function gate<T = void>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => {
    open = r;
  });
  return { p, open };
}

/** Resolves with the first scheduler event matching `pred` (listening starts now). */
export function nextEvent<E extends SchedulerEvent = SchedulerEvent>(
  s: Scheduler,
  pred: (e: SchedulerEvent) => boolean,
): Promise<E> {
  return new Promise((resolve) => {
    const fn = (e: SchedulerEvent) => {
      if (!pred(e)) return;
      s.off("*", fn);
      resolve(e as E);
    };
    s.on("*", fn);
  });
}

/** fetch() returning status, parsed JSON (or text) and headers. */
export async function call(
  url: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A Server-Sent Events reader over node:http: collects `{ type, data }` and lets a test wait for one. */
export class SseReader {
  readonly events: { type: string; id: string; data: Record<string, unknown> }[] = [];
  status = 0;
  ended = false;
  private waiters: { pred: (e: SseReader["events"][number]) => boolean; resolve: () => void }[] = [];
  private req: import("node:http").ClientRequest | null = null;

  /** Connects; resolves once the response headers arrived. */
  open(url: string, headers: Record<string, string> = {}): Promise<this> {
    return new Promise((resolve, reject) => {
      this.req = httpGet(url, { headers }, (res) => {
        this.status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        let buf = "";
        res.on("data", (chunk: string) => {
          buf += chunk;
          let i = buf.indexOf("\n\n");
          while (i >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            this.parse(block);
            i = buf.indexOf("\n\n");
          }
        });
        res.on("close", () => {
          this.ended = true;
          this.check();
        });
        resolve(this);
      });
      this.req.on("error", (err) => (this.status === 0 ? reject(err) : undefined));
    });
  }

  private parse(block: string) {
    let type = "message";
    let id = "";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) type = line.slice(7);
      else if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data === "") return;
    this.events.push({ type, id, data: JSON.parse(data) });
    this.check();
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (!this.ended && !this.events.some(w.pred)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when an event matching `pred` arrived (or the stream ended). */
  waitFor(pred: (e: SseReader["events"][number]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ pred, resolve });
      this.check();
    });
  }

  close() {
    this.req?.destroy();
  }
}
