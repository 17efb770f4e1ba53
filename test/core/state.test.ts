// The state database: created in DATA_DIR, WAL, migrated once, refuses a newer schema, closes cleanly.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS, openStateDb, schemaVersion, STATE_DB_FILE } from "../../src/core/state.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "digest-bot-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("openStateDb", () => {
  it("creates the data directory and the database in WAL mode at the latest schema", () => {
    const state = openStateDb(join(dir, "nested", "state"));
    expect(state.file).toBe(join(dir, "nested", "state", STATE_DB_FILE));
    expect(state.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(schemaVersion(state)).toBe(MIGRATIONS.length);
    const tables = state.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(["deliveries", "runs", "subscriptions"]);
    // FULL: a ledger mark survives a power cut, so a sent message is never re-sent unannounced.
    expect(state.db.pragma("synchronous", { simple: true })).toBe(2);
    state.close();
  });

  it("upgrades a version-1 database in place, keeping its rows", () => {
    const old = new Database(join(dir, STATE_DB_FILE));
    old.exec(MIGRATIONS[0]!);
    old.pragma("user_version = 1");
    old.prepare("INSERT INTO runs (run_id, kind, platform, target_id, digest_date, created_at) VALUES ('r1', 'manual', 'telegram', '-100', '2026-02-18', 'x')").run();
    old.prepare(
      `INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, status, payload, payload_hash,
         idempotency_key, created_at, updated_at) VALUES ('r1', 'manual', '2026-02-18', 'telegram', '-100', 0, 1, 'in-flight', '"hi"', 'h', 'k', 'x', 'x')`,
    ).run();
    old.close();
    const state = openStateDb(dir);
    expect(schemaVersion(state)).toBe(2);
    expect(state.db.prepare("SELECT status, payload, claimed_by FROM deliveries").get()).toEqual({ status: "in-flight", payload: '"hi"', claimed_by: null });
    state.close();
  });

  it("keeps data across reopen and does not re-run migrations", () => {
    const a = openStateDb(dir);
    a.db.prepare("INSERT INTO subscriptions (platform, target_id, created_at, updated_at) VALUES ('telegram', '-100', 'x', 'x')").run();
    a.close();
    const b = openStateDb(dir);
    expect(b.db.prepare("SELECT target_id FROM subscriptions").pluck().all()).toEqual(["-100"]);
    expect(schemaVersion(b)).toBe(MIGRATIONS.length);
    b.close();
  });

  it("rejects a ledger status outside the documented set", () => {
    const state = openStateDb(dir);
    state.db.prepare("INSERT INTO runs (run_id, kind, platform, target_id, digest_date, created_at) VALUES ('r1', 'manual', 'console', 'out', '2026-02-18', 'x')").run();
    const insert = (status: string) =>
      state.db
        .prepare(
          `INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, status, payload, payload_hash, idempotency_key, created_at, updated_at)
           VALUES ('r1', 'manual', '2026-02-18', 'console', 'out', 0, 1, ?, '{}', 'h', 'k', 'x', 'x')`,
        )
        .run(status);
    expect(() => insert("lost")).toThrow(/CHECK constraint failed/);
    expect(() => insert("pending")).not.toThrow();
    state.close();
  });

  it("refuses a database written by a newer version, naming the fix", () => {
    const raw = new Database(join(dir, STATE_DB_FILE));
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    expect(() => openStateDb(dir)).toThrow(
      `state: ${join(dir, STATE_DB_FILE)} has schema version ${MIGRATIONS.length + 5}, this build knows ${MIGRATIONS.length}; upgrade digest-bot or use another DATA_DIR`,
    );
  });

  it("checkpoints the WAL on close and tolerates a second close", () => {
    const state = openStateDb(dir);
    state.db.prepare("INSERT INTO subscriptions (platform, target_id, created_at, updated_at) VALUES ('discord', '123456', 'x', 'x')").run();
    state.close();
    expect(() => state.close()).not.toThrow();
    expect(state.db.open).toBe(false);
    // Everything is in the main file after the checkpoint: readable without the WAL.
    const raw = new Database(join(dir, STATE_DB_FILE), { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM subscriptions").pluck().get()).toBe(1);
    raw.close();
  });
});
