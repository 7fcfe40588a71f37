import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { ConnectorError, StateError } from "../../errors.js";
import type { CheckpointData, CheckpointStore, OperatorPart, StoredCheckpoint } from "./checkpoint-store.js";
import { decodePart, encodePart, sha256 } from "./codec.js";

/** Name of the manifest file in a checkpoint directory. */
export const MANIFEST = "_manifest.json";
const FORMAT = 1;
const CHK = /^chk-(\d+)$/;
const SP = /^sp-(\d+)$/;

interface ManifestPart {
  /** File holding the part (`data.bin`). */
  readonly file: string;
  /** Offset of the part in that file, bytes. */
  readonly offset: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** The file holding every part of a checkpoint, one after the other. */
const DATA = "data.bin";

/** The manifest of a stored checkpoint (`_manifest.json`). @internal */
export interface Manifest {
  readonly format: number;
  readonly id: number;
  readonly savepoint: boolean;
  readonly timestamp: number;
  readonly job: string;
  readonly bytes: number;
  readonly parts: Record<string, ManifestPart>;
}

/** Options of {@link directoryCheckpointStore}. */
export interface DirectoryCheckpointStoreOptions {
  /**
   * fsync every file and the directories before the rename that publishes a checkpoint.
   * Default `true`; `false` survives a process crash but not a power loss.
   */
  fsync?: boolean;
}

const pad = (id: number) => String(id).padStart(9, "0");

/**
 * A checkpoint store in a local directory (the default store; Flink's FileSystemCheckpointStorage):
 *
 * ```
 * <dir>/chk-000000007/_manifest.json   id, savepoint flag, time, and per operator: offset, bytes, SHA-256
 * <dir>/chk-000000007/data.bin         the serialized parts (./plain-codec.ts), one after the other
 * <dir>/savepoints/sp-000000008/       savepoints, same layout, never pruned
 * <dir>/.tmp-…                         a checkpoint being written (ignored; removed by the next write)
 * ```
 *
 * A checkpoint is written into a temp directory (the data file, then the manifest, each
 * fsync'd; few I/O calls: a running pipeline gives the event loop a turn every few ms), then
 * renamed into place (and the parent directory fsync'd): the rename is the commit, so a
 * process killed while writing leaves only a temp directory, which is never read. Reading
 * checks every part's size and SHA-256 against the manifest: a damaged checkpoint is skipped
 * by `latest()` (the one before it is used) and refused by `load()`.
 *
 * @param dir - the directory (created when missing).
 */
export function directoryCheckpointStore(
  dir: string,
  options: DirectoryCheckpointStoreOptions = {},
): CheckpointStore {
  return new DirectoryCheckpointStore(resolve(dir), options.fsync ?? true);
}

class DirectoryCheckpointStore implements CheckpointStore {
  readonly description: string;
  private readonly spDir: string;

  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {
    this.description = `directory ${dir}`;
    this.spDir = join(dir, "savepoints");
  }

  async write(cp: CheckpointData): Promise<StoredCheckpoint> {
    const parent = cp.savepoint ? this.spDir : this.dir;
    const final = join(parent, `${cp.savepoint ? "sp" : "chk"}-${pad(cp.id)}`);
    const tmp = join(
      this.dir,
      `.tmp-${cp.savepoint ? "sp" : "chk"}-${pad(cp.id)}-${process.pid}-${Date.now()}`,
    );
    try {
      await mkdir(parent, { recursive: true });
      await mkdir(tmp);
      const parts: Record<string, ManifestPart> = {};
      const bufs: Buffer[] = [];
      let bytes = 0;
      for (const [op, part] of Object.entries(cp.parts)) {
        const buf = encodePart(`operator "${op}"`, part);
        parts[op] = { file: DATA, offset: bytes, bytes: buf.length, sha256: sha256(buf) };
        bufs.push(buf);
        bytes += buf.length;
      }
      await this.writeFile(join(tmp, DATA), bufs);
      const manifest: Manifest = {
        format: FORMAT,
        id: cp.id,
        savepoint: cp.savepoint,
        timestamp: cp.timestamp,
        job: cp.job,
        bytes,
        parts,
      };
      await this.writeFile(join(tmp, MANIFEST), [Buffer.from(JSON.stringify(manifest, null, 1))]);
      if (this.fsync) await syncDir(tmp);
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
      if (this.fsync) await syncDir(parent);
      return { id: cp.id, savepoint: cp.savepoint, location: final, bytes, timestamp: cp.timestamp };
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      if (err instanceof StateError) throw err;
      throw new ConnectorError(
        `checkpoint ${cp.id}: writing to ${this.description} failed: ${(err as Error).message}`,
        { cause: err, retriable: true },
      );
    }
  }

  private async writeFile(path: string, bufs: Buffer[]): Promise<void> {
    const fh = await open(path, "wx");
    try {
      let pos = 0;
      for (const b of bufs) {
        if (b.length === 0) continue;
        await fh.write(b, 0, b.length, pos);
        pos += b.length;
      }
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async latest(): Promise<(CheckpointData & { location: string }) | undefined> {
    const all = (await this.scan(this.dir, CHK, false)).reverse();
    for (const c of all) {
      try {
        return await this.read(c.location);
      } catch (err) {
        // a damaged checkpoint is skipped: the one before it is complete
        process.emitWarning(`mass: checkpoint ${c.location} skipped: ${(err as Error).message}`);
      }
    }
    return undefined;
  }

  async load(location: string): Promise<CheckpointData & { location: string }> {
    let path = location;
    if (/^\d+$/.test(location)) {
      const id = Number(location);
      const found = [
        ...(await this.scan(this.dir, CHK, false)),
        ...(await this.scan(this.spDir, SP, true)),
      ].find((c) => c.id === id);
      if (found === undefined) {
        throw new StateError(`checkpoint ${id} is not in ${this.description} (see store.list())`);
      }
      path = found.location;
    } else if (!isAbsolute(path)) path = resolve(this.dir, path);
    return this.read(path);
  }

  async list(): Promise<StoredCheckpoint[]> {
    const all = [...(await this.scan(this.dir, CHK, false)), ...(await this.scan(this.spDir, SP, true))];
    const out: StoredCheckpoint[] = [];
    for (const c of all) {
      const m = await readManifest(c.location).catch(() => null);
      if (m !== null) {
        out.push({
          id: m.id,
          savepoint: m.savepoint,
          location: c.location,
          bytes: m.bytes,
          timestamp: m.timestamp,
        });
      }
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async prune(retain: number): Promise<void> {
    const all = await this.scan(this.dir, CHK, false);
    for (const c of all.slice(0, Math.max(0, all.length - retain))) {
      await rm(c.location, { recursive: true, force: true });
    }
    // temp directories of writes that died (not ours: ours completed or were removed)
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith(".tmp-") && !n.includes(`-${process.pid}-`)) {
        await rm(join(this.dir, n), { recursive: true, force: true });
      }
    }
  }

  private async scan(
    dir: string,
    re: RegExp,
    savepoint: boolean,
  ): Promise<{ id: number; location: string; savepoint: boolean }[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: { id: number; location: string; savepoint: boolean }[] = [];
    for (const n of names) {
      const m = re.exec(n);
      if (m !== null) out.push({ id: Number(m[1]), location: join(dir, n), savepoint });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  private async read(location: string): Promise<CheckpointData & { location: string }> {
    const m = await readManifest(location);
    const parts: Record<string, OperatorPart> = {};
    const files = new Map<string, Buffer>();
    for (const [op, p] of Object.entries(m.parts)) {
      let file = files.get(p.file);
      if (file === undefined) {
        try {
          file = await readFile(join(location, p.file));
        } catch (err) {
          throw new StateError(`checkpoint ${location}: part of operator "${op}" (${p.file}) is missing`, {
            cause: err,
          });
        }
        files.set(p.file, file);
      }
      const buf = file.subarray(p.offset ?? 0, (p.offset ?? 0) + p.bytes);
      if (buf.length !== p.bytes || sha256(buf) !== p.sha256) {
        throw new StateError(
          `checkpoint ${location}: part of operator "${op}" (${p.file}) fails its SHA-256 check (damaged); restore an older checkpoint`,
        );
      }
      parts[op] = decodePart(buf) as OperatorPart;
    }
    return { id: m.id, savepoint: m.savepoint, timestamp: m.timestamp, job: m.job, parts, location };
  }
}

async function readManifest(location: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(location, MANIFEST), "utf8");
  } catch (err) {
    throw new StateError(
      `${location} is not a complete checkpoint (no ${MANIFEST}); pass the directory of a checkpoint or savepoint`,
      { cause: err },
    );
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new StateError(`checkpoint ${location}: ${MANIFEST} is not valid JSON (damaged)`, { cause: err });
  }
  if (m.format !== FORMAT || typeof m.id !== "number" || typeof m.parts !== "object" || m.parts === null) {
    throw new StateError(`checkpoint ${location}: ${MANIFEST} has an unknown format (${String(m.format)})`);
  }
  return m;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } catch {
    // some platforms cannot fsync a directory: the rename stays atomic, only less durable
  } finally {
    await fh.close();
  }
}
