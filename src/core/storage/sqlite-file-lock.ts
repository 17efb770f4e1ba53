// One SQLite file, one writer at a time per process: a dialect whose connections to the same file take turns.
import { SqliteDialect, type DatabaseConnection, type Driver, type QueryCompiler, type SqliteDialectConfig, type TransactionSettings } from "kysely";

/**
 * better-sqlite3 is synchronous: if two connections of one process to one file had transactions open at once,
 * the second would wait for the file lock (busy_timeout) with the event loop blocked, so the first could never
 * commit. Serialising them per file avoids that; other processes are still handled by SQLite's own locking.
 */
const turns = new Map<string, Promise<void>>();

async function takeTurn(file: string): Promise<() => void> {
  const previous = turns.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chained = previous.then(() => mine);
  turns.set(file, chained);
  await previous;
  return () => {
    if (turns.get(file) === chained) turns.delete(file);
    release();
  };
}

class TurnTakingDriver implements Driver {
  private release: (() => void) | undefined;
  constructor(
    private readonly inner: Driver,
    private readonly file: string,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await takeTurn(this.file);
    try {
      const connection = await this.inner.acquireConnection();
      this.release = release;
      return connection;
    } catch (err) {
      release();
      throw err;
    }
  }
  async releaseConnection(connection: DatabaseConnection) {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      const release = this.release;
      this.release = undefined;
      release?.();
    }
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.inner.rollbackTransaction(connection);
  }
  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.savepoint?.(connection, name, compile);
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }
  destroy() {
    return this.inner.destroy();
  }
}

/**
 * kysely's SqliteDialect with per-file turn taking among this process's connections.
 *
 * @example
 * new Kysely<StateTables>({ dialect: new TurnTakingSqliteDialect(file, { database: new Database(file) }) });
 */
export class TurnTakingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly file: string,
    config: SqliteDialectConfig,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new TurnTakingDriver(super.createDriver(), this.file);
  }
}
