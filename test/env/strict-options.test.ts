import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  arraySink,
  ConfigError,
  ConnectorError,
  csvSink,
  csvSource,
  Env,
  jsonLinesSink,
  jsonLinesSource,
  parquetSource,
  retry,
  stdoutSink,
} from "../../src/index.js";

/** Runs `fn` and returns the ConfigError it threw. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

describe("unknown option keys are rejected with the closest valid one", () => {
  it.each([
    [
      "new Env",
      () => new Env({ batchsize: 10 } as never),
      /new Env\(options\): unknown option "batchsize" \(did you mean "batchSize"\?\)/,
    ],
    [
      "node options",
      () => new Env().from([1], { nmae: "x" } as never),
      /unknown option "nmae" \(did you mean "name"\?\)/,
    ],
    [
      "to() options",
      () => new Env().from([1]).to(arraySink(), { highWatermark: 2 } as never),
      /did you mean "highWaterMark"/,
    ],
    [
      "withTimestamps",
      () => new Env().from([1]).withTimestamps((x) => x, { maxOutOfOrderess: 5 } as never),
      /withTimestamps\(fn, options\): unknown option "maxOutOfOrderess" \(did you mean "maxOutOfOrderness"\?\)/,
    ],
    [
      "retry",
      () => retry({ backof: { delayMs: 1 } } as never),
      /retry\(options\): unknown option "backof" \(did you mean "backoff"\?\)/,
    ],
    [
      "retry backoff",
      () => retry({ backoff: { delay: 1 } } as never),
      /retry options.backoff: unknown option "delay"/,
    ],
    [
      "mapAsync",
      () => new Env().from([1]).mapAsync(async (x) => x, { concurency: 2 } as never),
      /did you mean "concurrency"/,
    ],
    [
      "map",
      () => new Env().from([1]).map((x) => x, { onErorr: "skip" } as never),
      /map\(fn, options\): unknown option "onErorr" \(did you mean "onError"\?\)/,
    ],
    [
      "csvSource",
      () => csvSource("x.csv", { delimter: ";" } as never),
      /csvSource\(path, options\): unknown option "delimter" \(did you mean "delimiter"\?\)/,
    ],
    ["csvSink", () => csvSink("x.csv", { headers: false } as never), /did you mean "header"/],
    ["jsonLinesSink", () => jsonLinesSink("x.jsonl", { apend: true } as never), /did you mean "append"/],
    ["parquetSource", () => parquetSource("x.parquet", { column: ["a"] } as never), /did you mean "columns"/],
    ["stdoutSink", () => stdoutSink({ formatter: String } as never), /did you mean "format"/],
    [
      "shard",
      () => new Env().from([1]).shard((x) => x, { parallel: 2 } as never),
      /did you mean "parallelism"/,
    ],
  ])("%s", (_, fn, message) => {
    expect(configError(fn).message).toMatch(message);
  });

  it("names the option path on the error", () => {
    expect(configError(() => new Env({ batchsize: 10 } as never)).option).toBe("new Env(options).batchsize");
  });
});

describe("non-function arguments give a ConfigError consistently", () => {
  const s = () => new Env().from([1]);
  it.each([
    ["map", () => s().map("x" as never)],
    ["filter", () => s().filter(42 as never)],
    ["flatMap", () => s().flatMap(null as never)],
    ["mutate", () => s().mutate({} as never)],
    ["tap", () => s().tap("log" as never)],
    ["mapAsync", () => s().mapAsync("x" as never)],
    ["keyBy", () => s().keyBy(42 as never)],
    ["withTimestamps", () => s().withTimestamps("ts" as never)],
    ["compute", () => s().compute((() => 1) as never)],
    ["union", () => s().union([2] as never)],
    ["retry retryOn", () => retry({ retryOn: true as never })],
    ["to", () => s().to({} as never)],
  ])("%s", (_, fn) => {
    const err = configError(fn);
    expect(err.message.length).toBeGreaterThan(10);
  });

  it("map('x') says what to pass", () => {
    expect(configError(() => new Env().from([1]).map("x" as never)).message).toMatch(
      /map\(fn\) must be a function, got "x"/,
    );
  });
});

describe("file sources given a directory or an empty file", () => {
  const dir = mkdtempSync(join(tmpdir(), "mass-strict-"));
  const empty = join(dir, "empty.csv");
  writeFileSync(empty, "");

  it.each([
    ["csv", (p: string) => csvSource(p)],
    ["jsonl", (p: string) => jsonLinesSource(p)],
    ["parquet", (p: string) => parquetSource(p)],
  ])("%s: a directory is a ConnectorError naming the path", async (_, make) => {
    const err = await new Env()
      .from(make(dir))
      .toArray()
      .catch((e) => e);
    const cause = (err as { cause?: unknown }).cause ?? err;
    expect(cause).toBeInstanceOf(ConnectorError);
    expect((cause as ConnectorError).message).toContain(`"${dir}" is a directory`);
    expect((cause as ConnectorError).file).toBe(dir);
  });

  it.each([
    ["csv", (p: string) => csvSource(p)],
    ["jsonl", (p: string) => jsonLinesSource(p)],
    ["parquet", (p: string) => parquetSource(p)],
  ])("%s: an empty file is a ConnectorError naming the path", async (_, make) => {
    const err = await new Env()
      .from(make(empty))
      .toArray()
      .catch((e) => e);
    const cause = (err as { cause?: unknown }).cause ?? err;
    expect(cause).toBeInstanceOf(ConnectorError);
    expect((cause as ConnectorError).message).toContain(`"${empty}" is empty`);
  });
});
