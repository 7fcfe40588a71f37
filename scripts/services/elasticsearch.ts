/**
 * Elasticsearch 8.19.21 for the integration tests and benchmarks, installed and run by the
 * project itself (no Docker): the stripped `integ-test-zip` distribution from Maven Central,
 * fetched once into the services cache, unpacked where a non-root system user can read it, and
 * run as that user (Elasticsearch refuses root) as a single node with security off on
 * 127.0.0.1, with a 512 MB heap. Facts it relies on: ../shared/SERVICES.md (health by
 * `_cluster/health?wait_for_status=yellow`, never `GET /`, which answers 405 here).
 *
 *   node --import tsx scripts/services/elasticsearch.ts start   # leaves it running, prints the URL
 *   node --import tsx scripts/services/elasticsearch.ts stop
 *
 * Environment: `MASS_TEST_ES_PORT` (HTTP port, default 9200; the transport port is HTTP + 100),
 * `MASS_SERVICES_CACHE` (cache directory, default `<repo>/.cache/services`, git-ignored).
 * Each port has its own instance directory (config, data, logs, tmp, pid file) that is wiped at
 * every start; a JVM left behind by an earlier run (pid file) is stopped first.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startWatchdog, stopPid, waitUntil } from "./process.js";

export const ES_VERSION = "8.19.21";
const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;
/** The system user Elasticsearch runs as when we are root. */
const ES_USER = "mass-es";
const READY_TIMEOUT_MS = 180_000;

/** The node's process, for the shared stop/watchdog helpers. */
const node = (pidFile: string): ServerProcess => ({
  service: "elasticsearch",
  pidFile,
  marker: "org.elasticsearch",
  graceSeconds: 30,
});

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running Elasticsearch started by {@link startElasticsearch}. */
export interface ElasticsearchService {
  /** Base URL, e.g. `http://127.0.0.1:9200`. */
  readonly url: string;
  readonly port: number;
  /** Stops it: SIGTERM, then SIGKILL after 30 s. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startElasticsearch}. */
export interface ElasticsearchOptions {
  /** HTTP port. Default env `MASS_TEST_ES_PORT`, else 9200. */
  port?: number;
  /** Cache directory. Default env `MASS_SERVICES_CACHE`, else `<repo>/.cache/services`. */
  cacheDir?: string;
  /** Progress messages. Default: none. */
  log?: (msg: string) => void;
  /**
   * Stop Elasticsearch when this process dies without calling `stop()` (killed, crashed): a
   * detached watchdog polls this process's pid and stops the JVM (SIGTERM, then SIGKILL)
   * once it is gone. Default true; the `start` command line turns it off (it exits at once).
   */
  watchdog?: boolean;
}

/** The HTTP port from the options or the environment. */
export function esPort(options: ElasticsearchOptions = {}): number {
  return options.port ?? Number(process.env.MASS_TEST_ES_PORT ?? 9200);
}

function cacheDirOf(options: ElasticsearchOptions): string {
  const fromEnv = process.env.MASS_SERVICES_CACHE;
  return resolve(
    options.cacheDir ??
      (fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(repoRoot, ".cache", "services")),
  );
}

const isRoot = () => process.getuid?.() === 0;

/** Fetches and unpacks the distribution once; returns its home directory. */
export function ensureDistribution(cacheDir: string, log: (msg: string) => void = () => {}): string {
  const home = join(cacheDir, `elasticsearch-${ES_VERSION}`);
  if (existsSync(join(home, "bin", "elasticsearch"))) return home;
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  const work = join(cacheDir, `.es-fetch-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // maven-dependency-plugin needs a project: a throw-away pom with packaging "pom"
  writeFileSync(
    join(work, "pom.xml"),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>mass</groupId><artifactId>es-fetch</artifactId><version>1</version><packaging>pom</packaging></project>\n`,
  );
  log(`fetching ${ARTIFACT} from Maven Central`);
  const mvnLog = join(cacheDir, "elasticsearch-fetch.log");
  const r = spawnSync(
    "mvn",
    [
      "-B",
      "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy",
      `-Dartifact=${ARTIFACT}`,
      `-DoutputDirectory=${work}`,
    ],
    { cwd: work, encoding: "utf8", maxBuffer: 1 << 26 },
  );
  writeFileSync(mvnLog, `${r.stdout ?? ""}${r.stderr ?? ""}`);
  const zip = join(work, `elasticsearch-${ES_VERSION}.zip`);
  if (r.status !== 0 || !existsSync(zip)) {
    throw new Error(
      `elasticsearch: mvn could not fetch ${ARTIFACT} (see ${mvnLog}); check that Maven reaches Maven Central`,
    );
  }
  log("unpacking");
  execFileSync("unzip", ["-q", zip, "-d", work]);
  // another process may have won the race: keep theirs
  if (!existsSync(join(home, "bin", "elasticsearch")))
    renameSync(join(work, `elasticsearch-${ES_VERSION}`), home);
  rmSync(work, { recursive: true, force: true });
  return home;
}

function ensureUser(): void {
  if (spawnSync("id", ["-u", ES_USER]).status === 0) return;
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER]);
}

function javaHome(): string {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  const java = realpathSync(execFileSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).trim());
  return dirname(dirname(java));
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
      signal: AbortSignal.timeout(5_000),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Fetches (once), configures and starts a single-node Elasticsearch; resolves when the cluster
 * health is yellow.
 * @throws Error naming what failed (fetch, start, readiness) and the log file to read.
 */
export async function startElasticsearch(options: ElasticsearchOptions = {}): Promise<ElasticsearchService> {
  const log = options.log ?? (() => {});
  const port = esPort(options);
  const cacheDir = cacheDirOf(options);
  const home = ensureDistribution(cacheDir, log);
  const inst = join(cacheDir, `es-${port}`);
  const pidFile = join(inst, "es.pid");
  // a JVM left by an earlier run that was killed before its teardown
  await stopPid(node(pidFile));
  rmSync(inst, { recursive: true, force: true });
  for (const d of ["data", "logs", "tmp"]) mkdirSync(join(inst, d), { recursive: true });
  const conf = join(inst, "config");
  cpSync(join(home, "config"), conf, { recursive: true });
  writeFileSync(
    join(conf, "elasticsearch.yml"),
    [
      "cluster.name: mass-test",
      "node.name: mass-test-node",
      "discovery.type: single-node",
      "network.host: 127.0.0.1",
      `http.port: ${port}`,
      `transport.port: ${port + 100}`,
      "xpack.security.enabled: false",
      "cluster.routing.allocation.disk.threshold_enabled: false",
      "action.destructive_requires_name: false",
      `path.data: ${join(inst, "data")}`,
      `path.logs: ${join(inst, "logs")}`,
      "",
    ].join("\n"),
  );
  const env = {
    ...process.env,
    ES_JAVA_HOME: javaHome(),
    ES_PATH_CONF: conf,
    ES_TMPDIR: join(inst, "tmp"),
    ES_JAVA_OPTS: "-Xms512m -Xmx512m",
  };
  const bin = join(home, "bin", "elasticsearch");
  let cmd = bin;
  let args = ["-d", "-p", pidFile];
  if (isRoot()) {
    ensureUser();
    execFileSync("chown", ["-R", `${ES_USER}:${ES_USER}`, inst]);
    cmd = "runuser";
    args = ["-u", ES_USER, "--", "env", ...envArgs(env), bin, ...args];
    const check = spawnSync("runuser", [
      "-u",
      ES_USER,
      "--",
      "test",
      "-r",
      join(home, "lib", `elasticsearch-${ES_VERSION}.jar`),
    ]);
    if (check.status !== 0) {
      throw new Error(
        `elasticsearch: user ${ES_USER} cannot read ${home}; put MASS_SERVICES_CACHE in a directory every user can traverse (not under /root)`,
      );
    }
  }
  log(`starting on 127.0.0.1:${port}`);
  const url = `http://127.0.0.1:${port}`;
  const r = spawnSync(cmd, args, { cwd: inst, env, encoding: "utf8", timeout: READY_TIMEOUT_MS });
  const logFile = join(inst, "logs", "mass-test.log");
  const service: ElasticsearchService = { url, port, stop: () => stopPid(node(pidFile)) };
  if (r.status !== 0) {
    await service.stop();
    throw new Error(
      `elasticsearch: start failed (exit ${r.status}): ${(r.stderr || r.stdout || "").slice(-2000)}; see ${logFile}`,
    );
  }
  try {
    await waitUntil("elasticsearch", `health yellow on ${url}`, READY_TIMEOUT_MS, () => healthy(url));
  } catch (err) {
    await service.stop();
    throw new Error(`${(err as Error).message}; see ${logFile}`);
  }
  if (options.watchdog !== false) startWatchdog(node(pidFile));
  log(`ready at ${url}`);
  return service;
}

/** `KEY=value` arguments for `env` of the variables Elasticsearch reads (runuser resets the environment). */
function envArgs(env: NodeJS.ProcessEnv): string[] {
  return ["ES_JAVA_HOME", "ES_PATH_CONF", "ES_TMPDIR", "ES_JAVA_OPTS"].map((k) => `${k}=${env[k]}`);
}

/** Stops the instance on `port` started earlier (by pid file), if any. */
export async function stopElasticsearch(options: ElasticsearchOptions = {}): Promise<void> {
  await stopPid(node(join(cacheDirOf(options), `es-${esPort(options)}`, "es.pid")));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const action = process.argv[2];
  const log = (m: string) => process.stderr.write(`elasticsearch: ${m}\n`);
  if (action === "start") {
    const es = await startElasticsearch({ log, watchdog: false });
    process.stdout.write(`${es.url}\n`);
  } else if (action === "stop") {
    await stopElasticsearch();
  } else if (action === "fetch") {
    ensureDistribution(cacheDirOf({}), log);
  } else {
    process.stderr.write("usage: elasticsearch.ts start|stop|fetch\n");
    process.exit(2);
  }
}
