// Which storage backends the tests run on, and a fresh database on each: SQLite in a temp dir, PostgreSQL on the test server.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, inject } from "vitest";
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

/**
 * For a store test file: cleans up after each test, and returns `opener(backend)`, which makes a fresh place for
 * state (a temp dir, or a schema on the test server) and gives a function opening a new connection to it.
 * `onCleanup` adds a test's own cleanup, run in reverse order after it.
 *
 * @example
 * const { opener } = useStoreOpeners("digest-bot-store-");
 * it("…", async () => { const open = opener("postgres"); const a = await open(); const b = await open(); });
 */
export function useStoreOpeners(tempPrefix: string) {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  const onCleanup = (cleanup: () => Promise<void>) => void cleanups.push(cleanup);
  function opener(backend: StorageDialect): (() => Promise<Storage>) & { url(): Promise<string> } {
    const dir = mkdtempSync(join(tmpdir(), tempPrefix));
    const o = storageOpener(backend, dir);
    const opened: Storage[] = [];
    onCleanup(async () => {
      for (const s of opened) await s.close();
      await o.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const open = async () => {
      const s = await o.open();
      opened.push(s);
      return s;
    };
    // The database's URL (PostgreSQL only), e.g. for a third connection holding locks (`openPgHold`).
    return Object.assign(open, { url: () => o.url() });
  }
  return { opener, onCleanup };
}
