// Which storage backends the tests run on, and a fresh database on each: SQLite in a temp dir, PostgreSQL on the test server.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openPostgresStorage, openSqliteStorage } from "../../../src/core/storage/open-storage.js";
import type { Storage, StorageDialect } from "../../../src/core/storage/types.js";

let warned = false;

/**
 * Both backends when the test PostgreSQL server runs, or in CI (where a missing server must fail the PostgreSQL
 * tests, not skip them); only SQLite otherwise, with a warning.
 */
export function testBackends(): StorageDialect[] {
  const pgInfo = inject("postgres");
  if ("url" in pgInfo || process.env.CI === "true") return ["sqlite", "postgres"];
  if (!warned) {
    warned = true;
    process.stderr.write(`warning: PostgreSQL tests skipped (${pgInfo.error})\n`);
  }
  return ["sqlite"];
}

/** The test server's URL; throws (failing the test) when it could not be started. */
export function postgresAdminUrl(): string {
  const pgInfo = inject("postgres");
  if ("error" in pgInfo) throw new Error(`the PostgreSQL tests need a server: ${pgInfo.error}`);
  return pgInfo.url;
}

/**
 * A new, empty place for state on the test server: its own schema, chosen through the URL's `search_path`
 * (much cheaper than a database per test); `drop()` removes it with everything in it.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgresAdminUrl();
  const name = `t_${randomBytes(6).toString("hex")}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${name}`);
  const url = new URL(admin);
  url.searchParams.set("options", `-c search_path=${name}`);
  return { url: url.toString(), drop: () => run(`DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}

/** Opens a store for one test: a new connection on each call, as a new process would open one. */
export function storageOpener(backend: StorageDialect, dataDir: string) {
  let database: Promise<{ url: string; drop(): Promise<void> }> | undefined;
  return {
    async open(): Promise<Storage> {
      if (backend === "sqlite") return openSqliteStorage(dataDir);
      database ??= createTestDatabase();
      return openPostgresStorage((await database).url);
    },
    /** The database URL (PostgreSQL only), creating the database if needed. */
    async url(): Promise<string> {
      database ??= createTestDatabase();
      return (await database).url;
    },
    async drop() {
      if (database) await (await database).drop();
    },
  };
}
