import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compactLine } from "../../src/util/logger.js";

function runFixture(env: Record<string, string | undefined>) {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(process.execPath, ["--import", "tsx", "test/util/fixtures/failing-job.ts"], {
    encoding: "utf8",
    env: childEnv as NodeJS.ProcessEnv,
  });
}

describe("default logger", () => {
  it("at the default level (warn) a failure the caller handles is not written to stderr; a warning is one line", () => {
    const r = runFixture({ NODE_ENV: undefined, MASS_LOG_LEVEL: undefined, VITEST: undefined });
    expect(r.stdout).toContain("caught RunError");
    const lines = r.stderr.split("\n").filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\S+ WARN mass: node has no consumer: .* node="source:array"$/);
    expect(r.stderr).not.toContain("bad record");
    expect(r.stderr).not.toContain("{");
  });

  it("MASS_LOG_LEVEL=debug shows the failure as one line, without a stack", () => {
    const r = runFixture({ NODE_ENV: undefined, MASS_LOG_LEVEL: "debug" });
    const failed = r.stderr.split("\n").filter((l) => l.includes("node failed"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/DEBUG mass: node failed: .*bad record/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("MASS_LOG_LEVEL=silent writes nothing", () => {
    const r = runFixture({ NODE_ENV: undefined, MASS_LOG_LEVEL: "silent" });
    expect(r.stderr).toBe("");
  });
});

describe("compactLine", () => {
  it("renders level, name, message and context on one line; an error as class and message", () => {
    const json = JSON.stringify({
      level: 50,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      name: "mass",
      msg: "cleanup() hook threw",
      node: "sink:db",
      err: { type: "TypeError", message: "x is not\na function", stack: "TypeError: ...\n    at y" },
    });
    expect(compactLine(json)).toBe(
      '2026-01-02T03:04:05.000Z ERROR mass: cleanup() hook threw node="sink:db" err="TypeError: x is not\\na function"\n',
    );
  });

  it("passes a line that is not JSON through, newline-terminated", () => {
    expect(compactLine("plain text")).toBe("plain text\n");
  });
});
