import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The scheduler's Prometheus metrics (prom-client), in its own Registry unless one is given:
 * - `mass_scheduler_runs_total{task, status}`: runs that ended, by final status;
 * - `mass_scheduler_run_duration_seconds{task}`: histogram of run durations;
 * - `mass_scheduler_queue_depth`: runs waiting;
 * - `mass_scheduler_running`: runs running;
 * - `mass_scheduler_dead_letters`: dead letters held;
 * - `mass_scheduler_stream_records_total{task, direction}`: records read (`in`) and written
 *   (`out`) by the Envs of stream tasks (from each run's RunReport), and `late_dropped`.
 */
export class SchedulerMetrics {
  readonly runs: Counter<"task" | "status">;
  readonly duration: Histogram<"task">;
  readonly queueDepth: Gauge;
  readonly running: Gauge;
  readonly deadLetters: Gauge;
  readonly streamRecords: Counter<"task" | "direction">;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.runs = new Counter({
      name: "mass_scheduler_runs_total",
      help: "Task runs ended, by final status",
      labelNames: ["task", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "mass_scheduler_run_duration_seconds",
      help: "Task run duration in seconds",
      labelNames: ["task"],
      buckets: [0.001, 0.01, 0.1, 1, 10, 60, 600, 3600],
      registers,
    });
    this.queueDepth = new Gauge({
      name: "mass_scheduler_queue_depth",
      help: "Task runs waiting in the queue",
      registers,
    });
    this.running = new Gauge({ name: "mass_scheduler_running", help: "Task runs running", registers });
    this.deadLetters = new Gauge({
      name: "mass_scheduler_dead_letters",
      help: "Dead letters held",
      registers,
    });
    this.streamRecords = new Counter({
      name: "mass_scheduler_stream_records_total",
      help: "Records read (in), written (out) and late-dropped by the Envs of stream tasks",
      labelNames: ["task", "direction"],
      registers,
    });
  }
}
