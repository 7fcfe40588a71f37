import type { OffsetStore } from "../offset-store.js";
import { closeClient, escapeTable, type MysqlClient, type MysqlConnection, openClient } from "./client.js";
import { wrapMysqlError } from "./errors.js";

/** Options of {@link mysqlOffsetStore}. */
export interface MysqlOffsetStoreOptions {
  /** Table holding the cursors (created if missing). Default `"mass_offsets"`. */
  table?: string;
}

/**
 * An {@link OffsetStore} in a MySQL/MariaDB table `(id VARCHAR(255) PRIMARY KEY, value TEXT,
 * updated_at)`, created on first use; one row per source key, replaced by each save
 * (`INSERT ... ON DUPLICATE KEY UPDATE`, autocommit: durable when the call resolves).
 * `mysqlSource` uses one on its own database by default.
 */
export class MysqlOffsetStore implements OffsetStore {
  private readonly table: string;
  private client: MysqlClient | undefined;
  private ready: Promise<void> | undefined;

  /**
   * @param connection - where the table lives (URI, pool options or a Pool).
   * @param options - the table name.
   */
  constructor(
    private readonly connection: MysqlConnection,
    options: MysqlOffsetStoreOptions = {},
  ) {
    this.table = escapeTable(options.table ?? "mass_offsets");
  }

  private init(): Promise<void> {
    if (this.ready === undefined) {
      const client = openClient("mysqlOffsetStore", this.connection, 2);
      this.client = client;
      this.ready = client.pool
        .query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (id VARCHAR(255) NOT NULL PRIMARY KEY, value TEXT NOT NULL, updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))`,
        )
        .then(
          () => undefined,
          (err) => {
            this.ready = undefined;
            throw wrapMysqlError(`cannot create the offset table ${this.table}`, err, {
              address: client.address,
              table: this.table,
            });
          },
        );
    }
    return this.ready;
  }

  async load(key: string): Promise<string | undefined> {
    await this.init();
    try {
      const [rows] = await this.client!.pool.query(`SELECT value FROM ${this.table} WHERE id = ?`, [key]);
      const list = rows as { value: string }[];
      return list.length === 0 ? undefined : list[0].value;
    } catch (err) {
      throw wrapMysqlError(`cannot read offset "${key}" from ${this.table}`, err, {
        address: this.client!.address,
        table: this.table,
      });
    }
  }

  async save(key: string, value: string): Promise<void> {
    await this.init();
    try {
      await this.client!.pool.query(
        `INSERT INTO ${this.table} (id, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)`,
        [key, value],
      );
    } catch (err) {
      throw wrapMysqlError(`cannot save offset "${key}" to ${this.table}`, err, {
        address: this.client!.address,
        table: this.table,
      });
    }
  }

  async close(): Promise<void> {
    await closeClient(this.client);
  }
}

/**
 * Builds a {@link MysqlOffsetStore}.
 * @param connection - a mysql:// URI, mysql2 pool options, or a mysql2/promise Pool (not closed by the store).
 */
export function mysqlOffsetStore(
  connection: MysqlConnection,
  options: MysqlOffsetStoreOptions = {},
): MysqlOffsetStore {
  return new MysqlOffsetStore(connection, options);
}
