import { ConfigError } from "../errors.js";
import type { CliIo } from "./cli-io.js";
import { loadJob } from "./job-file.js";
import { formatTopology } from "./report-format.js";

/** Output formats of `mass topology`. */
export const topologyFormats = ["text", "mermaid", "json"] as const;

/**
 * `mass topology <job> [--format text|mermaid|json] [-- args...]`: builds the job file's Env
 * (running nothing) and prints its graph: nodes and edges with the stages fused onto them, a
 * Mermaid `flowchart LR` to paste into Markdown, or the `env.topology()` JSON.
 * @returns the exit code (0).
 * @throws ConfigError for an unknown format.
 */
export async function topologyCommand(
  file: string,
  args: readonly string[],
  format: string,
  io: CliIo,
): Promise<number> {
  if (!(topologyFormats as readonly string[]).includes(format))
    throw new ConfigError(`--format must be one of ${topologyFormats.join(", ")}, got "${format}"`);
  const { env } = await loadJob(file, { args, records: undefined });
  if (format === "mermaid") io.out(env.toMermaid());
  else if (format === "json") io.out(JSON.stringify(env.topology(), null, 2));
  else io.out(formatTopology(env.topology()));
  return 0;
}
