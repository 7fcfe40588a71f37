/**
 * Kafka (KRaft, one broker+controller) for the integration tests, examples and benchmarks,
 * installed and run by the project itself (no Docker): the jars of `org.apache.kafka:kafka_2.13`
 * and a logging backend are copied from Maven Central once into the services cache, storage is
 * formatted, and the broker runs on 127.0.0.1 with a 512 MB heap. Facts it relies on:
 * ../shared/SERVICES.md (static voters so `format` needs no `--standalone`; readiness = a client
 * lists topics, an open port is not enough; 4.x needs `log4j-slf4j-impl` to log at all).
 *
 *   node --import tsx scripts/services/kafka.ts start   # leaves it running, prints the brokers
 *   node --import tsx scripts/services/kafka.ts stop
 *   node --import tsx scripts/services/kafka.ts fetch   # only download
 *
 * Environment: `MASS_KAFKA_VERSION` (default 4.1.1; 3.9.1 works too), `MASS_TEST_KAFKA_PORT`
 * (client port, default 9092; the controller listens on port + 1), `MASS_SERVICES_CACHE` (cache
 * directory, default `<repo>/.cache/services`, git-ignored). Each port has its own instance
 * directory (config, data, log, pid file), wiped at every fresh start; a broker left behind by an
 * earlier run (pid file) is stopped first, and a detached watchdog stops the broker when the
 * process that started it dies without stopping it.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";

/** Kafka version used when `MASS_KAFKA_VERSION` is not set. */
export const DEFAULT_KAFKA_VERSION = "4.1.1";
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
/** Any 22-character base64 id: KRaft's cluster id. */
const CLUSTER_ID = "MassTestCluster0000001";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running broker started by {@link startKafka}. */
export interface KafkaService {
  /** Bootstrap servers for clients, e.g. `["127.0.0.1:9092"]`. */
  readonly brokers: string[];
  readonly port: number;
  readonly version: string;
  /** Stops the broker: SIGTERM, then SIGKILL after 20 s. Idempotent. Keeps the data. */
  stop(): Promise<void>;
  /** Kills the broker with SIGKILL (a crash), keeping the data. */
  kill(): Promise<void>;
  /** Starts the stopped or killed broker again on the same data; resolves when it is ready. */
  restart(): Promise<void>;
}

/** Options of {@link startKafka}. */
export interface KafkaServiceOptions {
  /** Client port. Default env `MASS_TEST_KAFKA_PORT`, else 9092. The controller uses port + 1. */
  port?: number;
  /** Kafka version. Default env `MASS_KAFKA_VERSION`, else {@link DEFAULT_KAFKA_VERSION}. */
  version?: string;
  /** Cache directory. Default env `MASS_SERVICES_CACHE`, else `<repo>/.cache/services`. */
  cacheDir?: string;
  /** Progress messages. Default: none. */
  log?: (msg: string) => void;
  /** Stop the broker when this process dies without calling `stop()`. Default true. */
  watchdog?: boolean;
}

/** The client port from the options or the environment. */
export function kafkaPort(options: KafkaServiceOptions = {}): number {
  return options.port ?? Number(process.env.MASS_TEST_KAFKA_PORT ?? 9092);
}

function versionOf(options: KafkaServiceOptions): string {
  const v = options.version ?? process.env.MASS_KAFKA_VERSION;
  return v !== undefined && v !== "" ? v : DEFAULT_KAFKA_VERSION;
}

function cacheDirOf(options: KafkaServiceOptions): string {
  const fromEnv = process.env.MASS_SERVICES_CACHE;
  return resolve(
    options.cacheDir ??
      (fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(repoRoot, ".cache", "services")),
  );
}

/** Fails with one clear message when Java or Maven is missing. */
export function checkJava(): void {
  for (const [cmd, pkg] of [
    ["java", "a Java runtime 17 or newer (Debian: apt-get install -y openjdk-17-jre-headless)"],
    ["mvn", "Maven (Debian: apt-get install -y maven)"],
  ] as const) {
    if (spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0) {
      throw new Error(
        `kafka: \`${cmd}\` not found. The integration tests fetch and run Kafka themselves and need ${pkg}.`,
      );
    }
  }
}

/** The logging jars each Kafka line needs (see SERVICES.md). */
function loggingDeps(version: string): string[] {
  if (version.startsWith("3.")) {
    return ["org.slf4j:slf4j-reload4j:1.7.36", "ch.qos.reload4j:reload4j:1.2.25"];
  }
  const log4j = version.startsWith("4.0") || version.startsWith("4.1") ? "2.24.3" : "2.25.4";
  return [`org.apache.logging.log4j:log4j-slf4j-impl:${log4j}`];
}

/** Fetches Kafka's jars once; returns the directory holding them. */
export function ensureKafka(
  cacheDir: string,
  version: string,
  log: (msg: string) => void = () => {},
): string {
  const deps = join(cacheDir, `kafka-${version}`, "deps");
  if (existsSync(join(deps, `kafka_2.13-${version}.jar`))) return deps;
  checkJava();
  const work = join(cacheDir, `.kafka-fetch-${version}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dep = (gav: string) => {
    const [g, a, v] = gav.split(":");
    return `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  };
  writeFileSync(
    join(work, "pom.xml"),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>mass</groupId><artifactId>kafka-fetch</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>${[`org.apache.kafka:kafka_2.13:${version}`, ...loggingDeps(version)].map(dep).join("")}</dependencies></project>\n`,
  );
  log(`fetching org.apache.kafka:kafka_2.13:${version} from Maven Central`);
  const mvnLog = join(cacheDir, `kafka-${version}-fetch.log`);
  const r = spawnSync(
    "mvn",
    [
      "-B",
      "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
      `-DoutputDirectory=${join(work, "deps")}`,
      "-DincludeScope=runtime",
    ],
    { cwd: work, encoding: "utf8", maxBuffer: 1 << 26 },
  );
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(mvnLog, `${r.stdout ?? ""}${r.stderr ?? ""}`);
  if (r.status !== 0 || !existsSync(join(work, "deps", `kafka_2.13-${version}.jar`))) {
    throw new Error(
      `kafka: mvn could not fetch kafka_2.13:${version} (see ${mvnLog}); check that Maven reaches Maven Central`,
    );
  }
  mkdirSync(dirname(deps), { recursive: true });
  // another process may have won the race: keep theirs
  if (!existsSync(join(deps, `kafka_2.13-${version}.jar`))) {
    rmSync(deps, { recursive: true, force: true });
    execFileSync("mv", [join(work, "deps"), deps]);
  }
  rmSync(work, { recursive: true, force: true });
  return deps;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid in `pidFile` if it names a live Kafka JVM (not a recycled pid). */
function runningPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("kafka.Kafka")) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  test: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`kafka: ${what} did not happen within ${timeoutMs} ms`);
}

async function stopPid(pidFile: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  const pid = runningPid(pidFile);
  if (pid !== undefined) {
    process.kill(pid, signal);
    try {
      await waitUntil(`exit after ${signal}`, STOP_TIMEOUT_MS, () => !alive(pid));
    } catch {
      process.kill(pid, "SIGKILL");
      await waitUntil("exit after SIGKILL", 10_000, () => !alive(pid));
    }
  }
  rmSync(pidFile, { force: true });
}

/** Whether a client can list topics on `broker`. */
async function listsTopics(broker: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: "mass-service-check",
    brokers: [broker],
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function serverProperties(port: number, dataDir: string, version: string): string {
  const lines = [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${port + 1}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    `log.dirs=${dataDir}`,
    "num.partitions=1",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=4",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "transaction.state.log.num.partitions=4",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=true",
  ];
  if (!version.startsWith("3.")) {
    lines.push(
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
    );
  }
  return `${lines.join("\n")}\n`;
}

function loggingConfig(inst: string, version: string): { file: string; flag: string } {
  const logFile = join(inst, "server.log");
  if (version.startsWith("3.")) {
    const file = join(inst, "log4j.properties");
    writeFileSync(
      file,
      [
        "log4j.rootLogger=INFO, F",
        "log4j.appender.F=org.apache.log4j.FileAppender",
        `log4j.appender.F.File=${logFile}`,
        "log4j.appender.F.layout=org.apache.log4j.PatternLayout",
        "log4j.appender.F.layout.ConversionPattern=[%d] %p %m (%c)%n",
        "",
      ].join("\n"),
    );
    return { file: logFile, flag: `-Dlog4j.configuration=file:${file}` };
  }
  const file = join(inst, "log4j2.properties");
  writeFileSync(
    file,
    [
      "appender.f.type=File",
      "appender.f.name=F",
      `appender.f.fileName=${logFile}`,
      "appender.f.layout.type=PatternLayout",
      "appender.f.layout.pattern=[%d] %p %m (%c)%n",
      "rootLogger.level=INFO",
      "rootLogger.appenderRef.f.ref=F",
      "",
    ].join("\n"),
  );
  return { file: logFile, flag: `-Dlog4j2.configurationFile=${file}` };
}

/**
 * Fetches (once), formats and starts a one-node KRaft Kafka on 127.0.0.1; resolves when a
 * client lists topics.
 * @throws Error naming what failed (Java missing, fetch, start, readiness) and the log to read.
 */
export async function startKafka(options: KafkaServiceOptions = {}): Promise<KafkaService> {
  const log = options.log ?? (() => {});
  const port = kafkaPort(options);
  const version = versionOf(options);
  const cacheDir = cacheDirOf(options);
  checkJava();
  const deps = ensureKafka(cacheDir, version, log);
  const inst = join(cacheDir, `kafka-${port}`);
  const pidFile = join(inst, "kafka.pid");
  await stopPid(pidFile, "SIGTERM");
  rmSync(inst, { recursive: true, force: true });
  const dataDir = join(inst, "data");
  mkdirSync(dataDir, { recursive: true });
  const props = join(inst, "server.properties");
  writeFileSync(props, serverProperties(port, dataDir, version));
  const logging = loggingConfig(inst, version);
  const cp = `${deps}/*`;
  const fmt = spawnSync(
    "java",
    [
      logging.flag,
      "-cp",
      cp,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      CLUSTER_ID,
      "-c",
      props,
      "--ignore-formatted",
    ],
    { encoding: "utf8" },
  );
  if (fmt.status !== 0) {
    throw new Error(
      `kafka: formatting storage failed (exit ${fmt.status}): ${(fmt.stderr || fmt.stdout).slice(-2000)}`,
    );
  }
  const brokers = [`127.0.0.1:${port}`];

  const launch = async (): Promise<void> => {
    const out = openSync(join(inst, "stdout.log"), "a");
    const child = spawn("java", ["-Xms256m", "-Xmx512m", logging.flag, "-cp", cp, "kafka.Kafka", props], {
      cwd: inst,
      detached: true,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    child.unref();
    writeFileSync(pidFile, String(child.pid));
    let exited: number | null = null;
    child.once("exit", (code) => {
      exited = code ?? -1;
    });
    log(`starting Kafka ${version} on ${brokers[0]}`);
    try {
      await waitUntil(`a client listing topics on ${brokers[0]}`, READY_TIMEOUT_MS, async () => {
        if (exited !== null) {
          throw new Error(`kafka: the broker exited with code ${exited} while starting; see ${logging.file}`);
        }
        return listsTopics(brokers[0]!);
      });
    } catch (err) {
      await stopPid(pidFile, "SIGKILL");
      throw new Error(`${(err as Error).message}; see ${logging.file} and ${join(inst, "stdout.log")}`);
    }
    if (options.watchdog !== false) startWatchdog(pidFile);
    log(`ready at ${brokers[0]}`);
  };

  await launch();
  return {
    brokers,
    port,
    version,
    stop: () => stopPid(pidFile, "SIGTERM"),
    kill: () => stopPid(pidFile, "SIGKILL"),
    restart: async () => {
      await stopPid(pidFile, "SIGTERM");
      await launch();
    },
  };
}

/**
 * A detached shell that waits for this process to exit, then stops the broker of `pidFile` if
 * it is still the Kafka this process started.
 */
function startWatchdog(pidFile: string): void {
  const pid = runningPid(pidFile);
  if (pid === undefined) return;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `ours() { kill -0 ${pid} 2>/dev/null && grep -q kafka.Kafka /proc/${pid}/cmdline 2>/dev/null; }`,
    "ours || exit 0",
    `kill -TERM ${pid}`,
    "for i in $(seq 1 20); do ours || exit 0; sleep 1; done",
    `kill -KILL ${pid}`,
  ].join("\n");
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

/** Stops the broker on `port` started earlier (by pid file), if any. */
export async function stopKafka(options: KafkaServiceOptions = {}): Promise<void> {
  await stopPid(join(cacheDirOf(options), `kafka-${kafkaPort(options)}`, "kafka.pid"), "SIGTERM");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const action = process.argv[2];
  const log = (m: string) => process.stderr.write(`kafka: ${m}\n`);
  if (action === "start") {
    const k = await startKafka({ log, watchdog: false });
    process.stdout.write(`${k.brokers.join(",")}\n`);
  } else if (action === "stop") {
    await stopKafka();
  } else if (action === "fetch") {
    ensureKafka(cacheDirOf({}), versionOf({}), log);
  } else {
    process.stderr.write("usage: kafka.ts start|stop|fetch\n");
    process.exit(2);
  }
}
