import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { esUrl } from "./es.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("scripts/services/elasticsearch.ts", () => {
  it("leaves no JVM behind when the process that started Elasticsearch is killed with SIGKILL", async () => {
    // an instance of its own, beside the run's (HTTP port + 1, transport port + 1)
    const port = Number(new URL(esUrl()).port) + 1;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/integration/fixtures/es-starter.ts", String(port)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const url = await new Promise<string>((res, rej) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("ready ")) res(line.slice(6));
      });
      child.on("exit", (code) => rej(new Error(`starter exited with ${code}`)));
    });
    const health = await fetch(`${url}/_cluster/health`);
    expect(health.status).toBe(200);
    const cache = resolve(process.env.MASS_SERVICES_CACHE || join(process.cwd(), ".cache", "services"));
    const jvm = Number(readFileSync(join(cache, `es-${port}`, "es.pid"), "utf8").trim());
    expect(alive(jvm)).toBe(true);
    child.kill("SIGKILL");
    // the event: the JVM exits (the watchdog saw its starter die)
    while (alive(jvm)) await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${url}/_cluster/health`)).rejects.toThrow();
  });
});
