// The SQLite state file: created in DATA_DIR (0700/0600), WAL, migrated in place from older versions, refuses a newer schema, closes cleanly.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/core/storage/migrations.js";
import { openSqliteStorage, redactUrl, STATE_DB_FILE } from "../../../src/core/storage/open-storage.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "digest-bot-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pragma = async (storage: { db: Parameters<ReturnType<typeof sql>["execute"]>[0] }, name: string) =>
  Object.values((await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(storage.db)).rows[0] ?? {})[0];

/** A state file as version `version` of digest-bot left it. */
function oldFile(version: number) {
  const old = new Database(join(dir, STATE_DB_FILE));
  for (let v = 0; v < version; v++) old.exec(MIGRATIONS[v]!.sqlite);
  old.pragma(`user_version = ${version}`);
  old.prepare("INSERT INTO runs (run_id, kind, platform, target_id, digest_date, created_at) VALUES ('r1', 'manual', 'telegram', '-100', '2026-02-18', 'x')").run();
  old
    .prepare(
      `INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, status, payload, payload_hash,
         idempotency_key, created_at, updated_at) VALUES ('r1', 'manual', '2026-02-18', 'telegram', '-100', 0, 1, 'in-flight', '"hi"', 'h', 'k', 'x', 'x')`,
    )
    .run();
  if (version >= 2) old.prepare("UPDATE deliveries SET claimed_by = '4242:abcd'").run();
  old.close();
}

describe("openSqliteStorage", () => {
  it("creates the data directory (0700) and the database (0600) in WAL mode at the latest schema", async () => {
    const storage = await openSqliteStorage(join(dir, "nested", "state"));
    expect(storage.dialect).toBe("sqlite");
    expect(storage.location).toBe(join(dir, "nested", "state", STATE_DB_FILE));
    expect(await pragma(storage, "journal_mode")).toBe("wal");
    expect(await storage.schemaVersion()).toBe(MIGRATIONS.length);
    const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(storage.db);
    expect(tables.rows.map((r) => r.name)).toEqual(["deliveries", "revision_parts", "revision_requests", "revisions", "runs", "search_pages", "sender_leases", "subscriptions", "telegram_updates", "watch_alerts", "watches"]);
    // FULL: a ledger mark survives a power cut, so a sent message is never re-sent unannounced.
    expect(await pragma(storage, "synchronous")).toBe(2);
    await storage.subscriptions.upsert("telegram", "-100", undefined, "x");
    expect(statSync(join(dir, "nested", "state")).mode & 0o777).toBe(0o700);
    expect(statSync(storage.location).mode & 0o777).toBe(0o600);
    expect(statSync(`${storage.location}-wal`).mode & 0o777).toBe(0o600);
    await storage.close();
  });

  it.each([1, 2])("upgrades a version-%i database in place, keeping its rows", async (version) => {
    oldFile(version);
    const storage = await openSqliteStorage(dir);
    expect(await storage.schemaVersion()).toBe(MIGRATIONS.length);
    const [part] = await storage.ledger.openParts("telegram", "-100");
    expect(part).toMatchObject({ runId: "r1", status: "in-flight", payload: "hi" });
    expect(part?.claimedBy).toBe(version >= 2 ? "4242:abcd" : undefined);
    expect(part?.leaseExpiresAt).toBeUndefined();
    await storage.close();
  });

  it("keeps data across reopen and does not re-run migrations", async () => {
    const a = await openSqliteStorage(dir);
    await a.subscriptions.upsert("telegram", "-100", [1], "x");
    await a.close();
    const b = await openSqliteStorage(dir);
    expect((await b.subscriptions.list()).map((s) => [s.targetId, s.sections])).toEqual([["-100", [1]]]);
    expect(await b.schemaVersion()).toBe(MIGRATIONS.length);
    await b.close();
  });

  it("rejects a ledger status outside the documented set", async () => {
    const storage = await openSqliteStorage(dir);
    await storage.ledger.planRun({ runId: "r1", kind: "manual", platform: "console", targetId: "out", digestDate: "2026-02-18", payloads: [], now: "x" });
    const insert = (status: string) =>
      sql`INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, status, payload, payload_hash, idempotency_key, created_at, updated_at)
          VALUES ('r1', 'manual', '2026-02-18', 'console', 'out', 0, 1, ${status}, '{}', 'h', 'k', 'x', 'x')`.execute(storage.db);
    await expect(insert("lost")).rejects.toThrow(/CHECK constraint failed/);
    await expect(insert("pending")).resolves.toBeDefined();
    await storage.close();
  });

  it("refuses a database written by a newer version, naming the fix", async () => {
    const raw = new Database(join(dir, STATE_DB_FILE));
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    await expect(openSqliteStorage(dir)).rejects.toThrow(
      `state: ${join(dir, STATE_DB_FILE)} has schema version ${MIGRATIONS.length + 5}, this build knows ${MIGRATIONS.length}; upgrade digest-bot or use another DATA_DIR`,
    );
  });

  it("names DATA_DIR when it cannot be created", async () => {
    const file = join(dir, "a-file");
    new Database(file).close();
    await expect(openSqliteStorage(join(file, "state"))).rejects.toThrow(
      new RegExp(`^state: cannot create DATA_DIR ${join(file, "state")}: ENOTDIR.*; set DATA_DIR to a writable directory$`),
    );
  });

  it("checkpoints the WAL on close and tolerates a second close", async () => {
    const storage = await openSqliteStorage(dir);
    await storage.subscriptions.ensureSettingsTarget("discord", "123456", "x");
    await storage.close();
    await expect(storage.close()).resolves.toBeUndefined();
    expect(storage.closed).toBe(true);
    // Everything is in the main file after the checkpoint: readable without the WAL.
    const raw = new Database(join(dir, STATE_DB_FILE), { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM subscriptions").pluck().get()).toBe(1);
    raw.close();
  });
});

describe("redactUrl", () => {
  it("drops the password of a DATABASE_URL", () => {
    expect(redactUrl("postgres://bot:s3cret@db.example:5432/digest")).toBe("postgres://bot@db.example:5432/digest");
  });
});
