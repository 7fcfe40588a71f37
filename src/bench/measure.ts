/** One measured run of a job, as printed by a benchmark process (one JSON line). */
export interface Measurement {
  scenario: string;
  impl: string;
  /** Records the job processed. */
  records: number;
  /** Wall-clock time of the job, ms. */
  ms: number;
  /** Records per second (wall-clock). */
  rps: number;
  /**
   * CPU time (user + system) the process spent during the job, ms. On a shared machine it moves
   * less than `ms` with the other processes' load (the job's own parallel GC threads count too).
   */
  cpuMs: number;
  /** Peak resident set size of the process (getrusage maxrss), MiB. */
  peakRssMB: number;
  /** Resident set size before the job, MiB. */
  baseRssMB: number;
  /** What the job computed, to check that implementations agree. */
  checksum: string;
}

/**
 * Runs `job` once in this process, timing it and reading the process's peak RSS afterwards (a
 * `gc()` first when `--expose-gc` is on), and returns the measurement.
 */
export async function measureOnce(
  scenario: string,
  impl: string,
  records: number,
  job: () => Promise<string | undefined> | string | undefined,
): Promise<Measurement> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
  const baseRssMB = process.memoryUsage().rss / 2 ** 20;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const checksum = (await job()) ?? "";
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const peakRssMB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { scenario, impl, records, ms, rps: records / (ms / 1000), cpuMs, peakRssMB, baseRssMB, checksum };
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
