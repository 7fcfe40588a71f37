/**
 * Which checkpoint `env.run({ restore: true })` resumes from (docs/checkpoints.md, "Which
 * checkpoint is restored").
 * @packageDocumentation
 */
import { describeError, StateError } from "../../errors.js";
import type {
  CheckpointData,
  CheckpointStore,
  StoredCheckpoint,
} from "../../states/checkpoints/checkpoint-store.js";
import type { Logger } from "../../util/logger.js";
import type { RuntimeNode } from "../node.js";
import { SourceNode } from "../source-node.js";

/**
 * The checkpoint `restore: true` resumes from: the newest complete regular one, or — when a
 * source checks what its external system committed (`Source.restorable`, e.g. an exactly-once
 * Kafka source: the group's committed offsets) — the newest that every such source accepts,
 * walking the store newest first (a checkpoint stored before its transaction committed is
 * skipped for the one before it). `undefined`: start empty.
 * @throws StateError when no retained checkpoint is accepted and starting empty is not either.
 * @internal
 */
export async function chooseRestore(
  store: CheckpointStore,
  listed: readonly StoredCheckpoint[],
  nodes: readonly RuntimeNode[],
  logger: Logger,
): Promise<(CheckpointData & { location: string }) | undefined> {
  const checkers = nodes.filter(
    (n): n is SourceNode => n instanceof SourceNode && typeof n.source.restorable === "function",
  );
  if (checkers.length === 0) return store.latest();
  const candidates = listed.filter((c) => !c.savepoint).sort((a, b) => b.id - a.id);
  if (candidates.length === 0) return undefined;
  const refused: string[] = [];
  for (const c of candidates) {
    let data: CheckpointData & { location: string };
    try {
      data = await store.load(c.location);
    } catch (err) {
      refused.push(`checkpoint ${c.id} is unreadable (${describeError(err)})`);
      continue;
    }
    const why: string[] = [];
    for (const n of checkers) {
      const verdict = await n.source.restorable!({
        id: data.id,
        position: data.parts[n.stateId]?.position,
      });
      if (verdict !== true)
        why.push(`source "${n.name}": ${typeof verdict === "string" ? verdict : "refused"}`);
    }
    if (why.length === 0) {
      if (refused.length > 0) {
        logger.warn(
          { skipped: refused, restoring: data.id },
          `restore: newer checkpoint(s) skipped, their commit never happened: ${refused.join("; ")}`,
        );
      }
      return data;
    }
    refused.push(`checkpoint ${c.id} (${c.location}): ${why.join(", ")}`);
  }
  const empty: string[] = [];
  for (const n of checkers) {
    const verdict = await n.source.restorable!(null);
    if (verdict !== true)
      empty.push(`source "${n.name}": ${typeof verdict === "string" ? verdict : "refused"}`);
  }
  if (empty.length === 0) {
    logger.warn(
      { skipped: refused },
      `restore: no checkpoint's commit ever happened (${refused.join("; ")}): starting empty`,
    );
    return undefined;
  }
  throw new StateError(
    `restore from ${store.description}: no retained checkpoint matches what the sources committed — ${refused.join("; ")}; ` +
      `and starting empty does not either (${empty.join(", ")}). Keep checkpoint.retain >= 2 (the checkpoint before the newest is the one to restore after a crash between its store write and its commit); ` +
      "restore a chosen one with run({ restore: { from } }), or start over: reset the consumer group's offsets and delete the checkpoints",
    { retriable: false },
  );
}
