/**
 * Process bookkeeping shared by the service scripts (kafka.ts, elasticsearch.ts): a server runs
 * detached with its pid in a pid file; a pid counts as ours only while it is alive and its
 * command line holds the server's marker (a recycled pid is never signalled); stop is SIGTERM,
 * then SIGKILL after a grace period; a detached watchdog stops the server when the process that
 * started it dies without stopping it (no stray JVMs after a killed test run).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid in `pidFile` if it names a live process whose command line contains `marker`. */
export function runningPid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/**
 * Polls `test` every `intervalMs` until it holds.
 * @throws Error `"<service>: <what> did not happen within <timeoutMs> ms"`, or what `test` throws.
 */
export async function waitUntil(
  service: string,
  what: string,
  timeoutMs: number,
  test: () => Promise<boolean> | boolean,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${service}: ${what} did not happen within ${timeoutMs} ms`);
}

/** What a server's process looks like, for {@link stopPid} and {@link startWatchdog}. */
export interface ServerProcess {
  /** Name for messages, e.g. `"kafka"`. */
  service: string;
  /** The pid file the server's pid is in. */
  pidFile: string;
  /** A string its command line contains (the main class), e.g. `"kafka.Kafka"`. */
  marker: string;
  /** Seconds between SIGTERM and SIGKILL. */
  graceSeconds: number;
}

/**
 * Stops the server of `p.pidFile` with `signal` (SIGTERM: SIGKILL after the grace period) and
 * removes the pid file. Nothing happens when no live server of ours is there.
 */
export async function stopPid(p: ServerProcess, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
  const pid = runningPid(p.pidFile, p.marker);
  if (pid !== undefined) {
    process.kill(pid, signal);
    try {
      await waitUntil(p.service, `exit after ${signal}`, p.graceSeconds * 1000, () => !alive(pid));
    } catch {
      process.kill(pid, "SIGKILL");
      await waitUntil(p.service, "exit after SIGKILL", 10_000, () => !alive(pid));
    }
  }
  rmSync(p.pidFile, { force: true });
}

/**
 * A detached shell that waits for this process to exit, then stops the server of `p.pidFile`
 * if it is still the one this process started (same pid, the marker in its command line).
 */
export function startWatchdog(p: ServerProcess): void {
  const pid = runningPid(p.pidFile, p.marker);
  if (pid === undefined) return;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `ours() { kill -0 ${pid} 2>/dev/null && grep -q ${p.marker} /proc/${pid}/cmdline 2>/dev/null; }`,
    "ours || exit 0",
    `kill -TERM ${pid}`,
    `for i in $(seq 1 ${p.graceSeconds}); do ours || exit 0; sleep 1; done`,
    `kill -KILL ${pid}`,
  ].join("\n");
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}
