import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { ConnectorError } from "../../errors.js";
import { emptyState, type StoreState, type TaskStoreBackend } from "./store-state.js";

/**
 * A store in `dir/mass-scheduler.json`, written **atomically**: the new content goes to a
 * temporary file which is fsynced, then renamed over the old one (rename is atomic on POSIX
 * file systems), and the directory is fsynced. A crash at any point leaves either the old or
 * the new state, never a torn file.
 * @param dir - directory (created if missing).
 * @throws ConnectorError (at load) if the file exists but is not a valid store.
 */
export function fileStore(dir: string): TaskStoreBackend {
  const path = join(dir, "mass-scheduler.json");
  const tmp = `${path}.tmp`;
  return {
    name: path,
    async load() {
      await mkdir(dir, { recursive: true });
      let text: string;
      try {
        // Stryker disable next-line StringLiteral: without an encoding readFile gives a Buffer, and JSON.parse reads a Buffer as UTF-8 text too
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
        throw err;
      }
      try {
        const s = JSON.parse(text) as StoreState;
        if (s.version !== 1) throw new Error(`unknown version ${String(s.version)}`);
        return { ...emptyState(), ...s };
      } catch (err) {
        throw new ConnectorError(
          `file store: "${path}" is not a valid scheduler store: ${(err as Error).message}`,
          {
            connector: "file-store",
            file: path,
            cause: err,
          },
        );
      }
    },
    async save(state) {
      const fh = await open(tmp, "w");
      try {
        await fh.writeFile(JSON.stringify(state));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      const d = await open(dir, "r");
      // Stryker disable next-line BlockStatement: fsync of the directory only matters after a power loss, which no test can cause
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    },
  };
}
