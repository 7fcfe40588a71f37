/**
 * Which checkpoint an exactly-once Kafka job may restore (docs/checkpoints.md, "Which
 * checkpoint is restored"): the one whose transaction committed, told by the consumer group's
 * committed offsets and the checkpoint id Mass writes in their `metadata`.
 * @packageDocumentation
 */
import type { RestoreCandidate } from "../../operators/source.js";
import { createKafka, type KafkaConnectionOptions } from "./client.js";
import { kafkaError } from "./errors.js";

/** The `metadata` of the offsets a checkpoint's transaction commits: `mass-checkpoint:<id>`. @internal */
export function checkpointTag(id: number): string {
  return `mass-checkpoint:${id}`;
}

/** The checkpoint id in a committed offset's `metadata`, if Mass wrote it ({@link checkpointTag}). @internal */
export function parseCheckpointTag(metadata: string | null | undefined): number | undefined {
  const m = /^mass-checkpoint:(\d+)$/.exec(metadata ?? "");
  return m === null ? undefined : Number(m[1]);
}

/** What the group committed for one partition. */
interface Committed {
  readonly offset: number;
  readonly checkpoint: number | undefined;
}

/**
 * Whether resuming from `candidate` is consistent with what consumer group `groupId` committed
 * (`Source.restorable` of an exactly-once Kafka source): every partition of the candidate's
 * position has the group's committed offset equal to it, and that offset was committed by this
 * checkpoint (its `metadata` tag; offsets without a Mass tag are compared by value only).
 * `null` (start without a checkpoint) is consistent when no offset of the group on `topics`
 * carries a Mass checkpoint tag: no checkpoint's transaction ever committed.
 * @param positions - the candidate's position, parsed (`"topic:partition"` -> next offset).
 * @returns `true`, or why not (what the group committed).
 * @throws KafkaError when the group's offsets cannot be read.
 */
export async function checkRestorable(
  options: KafkaConnectionOptions,
  groupId: string,
  topics: readonly string[],
  candidate: RestoreCandidate | null,
  positions: ReadonlyMap<string, number> | undefined,
): Promise<true | string> {
  if (candidate !== null && positions === undefined) return true;
  const wanted =
    positions === undefined ? [...topics] : [...new Set([...positions.keys()].map((id) => topicOf(id)))];
  if (wanted.length === 0) return true;
  const admin = createKafka(options).admin();
  const committed = new Map<string, Committed>();
  try {
    await admin.connect();
    const answer = await admin.fetchOffsets({ groupId, topics: wanted });
    for (const t of answer) {
      for (const p of t.partitions) {
        committed.set(`${t.topic}:${p.partition}`, {
          offset: Number(p.offset),
          checkpoint: parseCheckpointTag(p.metadata),
        });
      }
    }
  } catch (err) {
    throw kafkaError(
      err,
      `reading the committed offsets of group "${groupId}" to choose the checkpoint to restore`,
      {
        brokers: options.brokers,
      },
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
  if (candidate === null || positions === undefined) {
    const tagged = [...committed].filter(([, c]) => c.checkpoint !== undefined);
    if (tagged.length === 0) return true;
    return `group "${groupId}" has offsets committed by checkpoint(s) ${[...new Set(tagged.map(([, c]) => c.checkpoint))].join(", ")} (${describe(tagged)})`;
  }
  const off: [string, Committed | undefined, number][] = [];
  for (const [id, pos] of positions) {
    const c = committed.get(id);
    if (
      c === undefined ||
      c.offset !== pos ||
      (c.checkpoint !== undefined && c.checkpoint !== candidate.id)
    ) {
      off.push([id, c, pos]);
    }
  }
  if (off.length === 0) return true;
  return `group "${groupId}" committed ${off
    .map(
      ([id, c, pos]) =>
        `${id}=${c === undefined || c.offset < 0 ? "none" : c.offset}${c?.checkpoint === undefined ? "" : ` (checkpoint ${c.checkpoint})`}, checkpoint has ${pos}`,
    )
    .join(", ")}`;
}

function topicOf(id: string): string {
  return id.slice(0, id.lastIndexOf(":"));
}

function describe(list: readonly [string, Committed][]): string {
  const shown = list.slice(0, 6).map(([id, c]) => `${id}=${c.offset}`);
  return list.length > 6 ? `${shown.join(", ")}, ...` : shown.join(", ");
}
