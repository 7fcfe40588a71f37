import { createRequire } from "node:module";
import { Command, InvalidArgumentError, Option } from "commander";
import { MassError } from "../errors.js";
import { benchCommand } from "./bench-command.js";
import type { CliIo } from "./cli-io.js";
import { ControlClientError } from "./control-client.js";
import {
  type RerunOptions,
  replayCommand,
  rerunCommand,
  savepointCommand,
  statusCommand,
  stopCommand,
  taskActionCommand,
} from "./remote-commands.js";
import { runCommand } from "./run-command.js";
import { topologyCommand, topologyFormats } from "./topology-command.js";

const version = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be an integer >= 1");
  return n;
}

const JOB_HELP = `
A job file exports default a function (env, { args, records }) that builds the job on env
(or an Env built already), and optionally \`options\` (EnvOptions). TypeScript files need tsx.
Arguments after -- reach the job as args. See docs/cli.md.`;

const REMOTE_HELP = `
The control plane is found with --url or MASS_URL (default http://127.0.0.1:9860); actions need
its token: --token or MASS_TOKEN.`;

/**
 * The `mass` command line (commander): `run`, `topology`, `bench` on job files; `status`,
 * `pause`, `resume`, `stop`, `cancel`, `rerun`, `replay` against a control plane. Each command
 * sets `exitCode` through `done(code)`; errors of Mass, the control plane and commander print one
 * line (no stack) and give exit code 1 (2 for usage errors).
 */
export function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command("mass")
    .description("Mass (mass-stream): run, inspect and benchmark stream jobs; control a scheduler")
    .version(version)
    .showHelpAfterError("(add --help for additional information)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  const wrap =
    <A extends unknown[]>(fn: (...a: A) => Promise<number>) =>
    async (...a: A) => {
      try {
        done(await fn(...a));
      } catch (err) {
        if (err instanceof MassError || err instanceof ControlClientError) {
          io.err(`mass: ${err.message}`);
          done(1);
        } else throw err;
      }
    };

  const remote = (cmd: Command) =>
    cmd
      .addOption(new Option("--url <url>", "control plane base URL").env("MASS_URL"))
      .addOption(new Option("--token <token>", "bearer token for actions").env("MASS_TOKEN"))
      .addHelpText("after", REMOTE_HELP);

  program
    .command("run")
    .description("run a job file with a live progress line, then print the run report")
    .argument("<job>", "job file (.js, .mjs, .ts)")
    .argument("[args...]", "arguments for the job (after --)")
    .option("--json", "print the report as JSON")
    .option("--no-progress", "no live progress line")
    .addHelpText("after", JOB_HELP)
    .action(
      wrap((job: string, args: string[], opts: { json?: boolean; progress?: boolean }) =>
        runCommand(job, args, opts, io),
      ),
    );

  program
    .command("topology")
    .description("print a job file's graph (nothing runs)")
    .argument("<job>", "job file")
    .argument("[args...]", "arguments for the job (after --)")
    .addOption(new Option("-f, --format <format>", "output format").choices(topologyFormats).default("text"))
    .addHelpText("after", JOB_HELP)
    .action(
      wrap((job: string, args: string[], opts: { format: string }) =>
        topologyCommand(job, args, opts.format, io),
      ),
    );

  program
    .command("bench")
    .description(
      "measure a job file's records/s and peak RSS over runs in fresh processes (mass-stream/bench)",
    )
    .argument("<job>", "job file; it gets the record count as context.records")
    .argument("[args...]", "arguments for the job (after --)")
    .option("-n, --records <n>", "records per run", positiveInt, 1_000_000)
    .option("-r, --runs <n>", "runs, each in a fresh process", positiveInt, 3)
    .option("--json", "print the result as JSON")
    .addHelpText("after", JOB_HELP)
    .action(
      wrap((job: string, args: string[], opts: { records: number; runs: number; json?: boolean }) =>
        benchCommand(job, args, opts, io),
      ),
    );

  remote(
    program
      .command("status")
      .description("the scheduler's tasks (next fire times) and latest runs (progress, remaining time)")
      .option("--json", "print JSON")
      .option("-l, --limit <n>", "runs to list", positiveInt, 20),
  ).action(
    wrap((opts: { url?: string; token?: string; json?: boolean; limit: number }) => statusCommand(opts, io)),
  );

  for (const [name, what] of [
    ["pause", "pause a task (or a graph with --graph): no new run starts, running ones wait at proceed()"],
    ["resume", "resume a paused task (or graph)"],
    ["cancel", "drop a task's queued runs"],
  ] as const) {
    const cmd = program.command(name).description(what).argument("<id>", "task id (graph id with --graph)");
    if (name !== "cancel") cmd.option("--graph", "the id is an execution graph's");
    remote(cmd).action(
      wrap((id: string, opts: { url?: string; token?: string; graph?: boolean }) =>
        taskActionCommand(name, id, opts, io),
      ),
    );
  }

  remote(
    program
      .command("stop")
      .description("stop a task for good (a running run ends as stopped; a stream task drains)")
      .argument("<id>", "task id (graph id with --graph, instance id with --instance)")
      .option("--reason <text>", "why (in the run's lifecycle message)")
      .option("--graph", "stop an execution graph for good (no new instance; unfinished ones stop)")
      .option("--instance", "stop one unfinished graph instance"),
  ).action(
    wrap(
      (
        id: string,
        opts: { url?: string; token?: string; reason?: string; graph?: boolean; instance?: boolean },
      ) => stopCommand(id, opts, io),
    ),
  );

  remote(
    program
      .command("savepoint")
      .description(
        "stop a task's running stream job with a savepoint (prints its location; restore with env.run({ restore: { from } }))",
      )
      .argument("<id>", "task id"),
  ).action(wrap((id: string, opts: { url?: string; token?: string }) => savepointCommand(id, opts, io)));

  remote(
    program
      .command("rerun")
      .description(
        "run a task again now (prints the run id), a graph (--graph: a new instance), or part of a finished graph instance in place (--failed, --node [--downstream])",
      )
      .argument("<id>", "task id, graph id (--graph) or graph instance id (--failed / --node)")
      .option("--input <json>", "the run's or new instance's input, as JSON")
      .option("--graph", "the id is a graph: make a new instance now")
      .option("--failed", "rerun the instance's failed nodes (and those skipped because of them)")
      .option("--node <name>", "rerun this node of the instance")
      .option("--downstream", "with --node: rerun it and everything downstream of it"),
  ).action(wrap((id: string, opts: RerunOptions) => rerunCommand(id, opts, io)));

  remote(
    program
      .command("replay")
      .description("run a dead letter's input again; prints the new run id")
      .argument("<id>", "dead letter id (mass status --json, GET /dead-letters)"),
  ).action(wrap((id: string, opts: { url?: string; token?: string }) => replayCommand(id, opts, io)));

  return program;
}
