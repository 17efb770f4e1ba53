// `digest-bot backup`, `pending` and `migrate`: a consistent copy of a live SQLite state, listing/cancelling manual runs, SQLite → PostgreSQL.
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBackup } from "../../src/cli/backup.js";
import { runMigrate } from "../../src/cli/migrate.js";
import { runPending } from "../../src/cli/pending.js";
import { parseConfig, type Config } from "../../src/core/config.js";
import { MIGRATIONS } from "../../src/core/storage/migrations.js";
import { openPostgresStorage, openSqliteStorage, STATE_DB_FILE } from "../../src/core/storage/open-storage.js";
import type { Storage, StorageDialect } from "../../src/core/storage/types.js";
import { createTestDatabase, storageOpener, testBackends } from "../core/storage/backends.js";

/** Digests from the fixtures, never the checkout's data/ (these commands read only the state, but a config must not point there). */
const FIXTURE_DIGESTS = "test/fixtures/sample";

const T0 = "2026-02-18T09:00:00.000Z";
let dir: string;
let cleanups: (() => Promise<void> | void)[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "digest-bot-state-cli-"));
  cleanups = [];
});
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function io(config: Config) {
  let out = "";
  let err = "";
  return {
    io: { config, stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), now: new Date("2026-02-18T10:00:00Z") },
    out: () => out,
    err: () => err,
  };
}

const plan = (s: Storage, runId: string, kind: "manual" | "repost" | "scheduled", targetId: string, payloads: unknown[], extra: object = {}) =>
  s.ledger.planRun({ runId, kind, platform: "telegram", targetId, digestDate: "2026-02-18", payloads, now: T0, ...extra });

describe("digest-bot backup", () => {
  it("copies the state while another connection keeps writing, and the copy restores as a working state", async () => {
    const config = parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dir, "state") });
    const live = await openSqliteStorage(config.DATA_DIR);
    cleanups.push(() => live.close());
    await live.subscriptions.upsert("telegram", "-1001", [1], T0);
    await plan(live, "m1", "manual", "-1001", ["a", "b"]);
    // The bot keeps working during the backup: rows committed so far sit in the WAL, not the main file.
    const writes = (async () => {
      for (let i = 0; i < 50; i++) await live.subscriptions.ensureSettingsTarget("discord", String(100000 + i), T0);
    })();
    const r = io(config);
    const file = join(dir, "backup.sqlite");
    expect(await runBackup([file], r.io)).toBe(0);
    await writes;
    expect(r.err()).toMatch(new RegExp(`^digest-bot backup: copied the state database into ${file} \\(\\d+ pages\\)\\n$`));
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Restore as the README says: stop the bot, copy the file into DATA_DIR, drop -wal/-shm, start.
    const restored = join(dir, "restored");
    await openSqliteStorage(restored).then((s) => s.close());
    rmSync(join(restored, STATE_DB_FILE));
    copyFileSync(file, join(restored, STATE_DB_FILE));
    const back = await openSqliteStorage(restored);
    cleanups.push(() => back.close());
    expect(await back.subscriptions.get("telegram", "-1001")).toMatchObject({ sections: [1], enabled: true });
    expect((await back.ledger.openParts("telegram", "-1001")).map((p) => p.payload)).toEqual(["a", "b"]);
    expect(await back.schemaVersion()).toBe(MIGRATIONS.length);
    // A snapshot: some prefix of the concurrent writes, in order, never a torn one.
    const ids = (await back.subscriptions.list()).filter((s) => s.platform === "discord").map((s) => Number(s.targetId) - 100000);
    expect(ids).toEqual(ids.map((_, i) => i));
  });

  it("refuses to overwrite a file, a missing state, PostgreSQL, and bad usage, each with the reason", async () => {
    const config = parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dir, "state") });
    const missing = io(config);
    expect(await runBackup([join(dir, "b.sqlite")], missing.io)).toBe(1);
    expect(missing.err()).toBe(`digest-bot backup: state: there is no state database at ${join(dir, "state", STATE_DB_FILE)}; check DATA_DIR\n`);
    await openSqliteStorage(config.DATA_DIR).then((s) => s.close());
    const existing = join(dir, "exists.sqlite");
    new Database(existing).close();
    const taken = io(config);
    expect(await runBackup([existing], taken.io)).toBe(1);
    expect(taken.err()).toBe(`digest-bot backup: state: ${existing} already exists; back up into a new file\n`);
    const pg = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: dir, DATABASE_URL: "postgres://bot@db/x" }));
    expect(await runBackup(["x.sqlite"], pg.io)).toBe(1);
    expect(pg.err()).toBe("digest-bot backup: the state is in PostgreSQL (DATABASE_URL); back it up with pg_dump\n");
    const usage = io(config);
    expect(await runBackup([], usage.io)).toBe(2);
    expect(usage.err()).toContain("digest-bot backup: give one FILE to write");
  });
});

describe.each(testBackends())("digest-bot pending on %s", (backend: StorageDialect) => {
  async function setup() {
    const o = storageOpener(backend, join(dir, "state"));
    cleanups.push(() => o.drop());
    const env: Record<string, string> = { DATA_DIR: join(dir, "state") };
    if (backend === "postgres") env.DATABASE_URL = await o.url();
    const s = await o.open();
    cleanups.push(() => s.close());
    return { s, config: parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, ...env }) };
  }

  it("lists manual runs and reposts with messages left, not scheduled posts", async () => {
    const { s, config } = await setup();
    await plan(s, "s20260218-1", "scheduled", "-1", ["x"], { slot: T0 });
    await plan(s, "m20260218-1", "manual", "-1", ["a", "b"], { requestedBy: "cli" });
    await s.ledger.markFailed({ runId: "m20260218-1", platform: "telegram", targetId: "-1", partIndex: 0 }, "pending", "500 Internal Server Error", T0);
    await plan(s, "r20260218-1", "repost", "-2", ["c"]);
    const r = io(config);
    expect(await runPending([], r.io)).toBe(0);
    expect(r.out()).toBe(
      `m20260218-1  manual  2026-02-18 → telegram:-1  2/2 messages left  (planned ${T0} by cli)\n    last error: 500 Internal Server Error\n` +
        `r20260218-1  repost  2026-02-18 → telegram:-2  1/1 messages left  (planned ${T0})\n`,
    );
    const json = io(config);
    expect(await runPending(["--json"], json.io)).toBe(0);
    expect((JSON.parse(json.out()) as { runId: string }[]).map((x) => x.runId)).toEqual(["m20260218-1", "r20260218-1"]);
  });

  it("cancels one run so it is never sent, and says when there is nothing to cancel", async () => {
    const { s, config } = await setup();
    await plan(s, "m20260218-1", "manual", "-1", ["a", "b"]);
    const cancel = io(config);
    expect(await runPending(["--cancel", "m20260218-1"], cancel.io)).toBe(0);
    expect(cancel.err()).toBe("digest-bot pending: cancelled run m20260218-1: 2 messages will not be sent\n");
    expect(await s.ledger.openParts("telegram", "-1")).toEqual([]);
    const again = io(config);
    expect(await runPending(["--cancel", "m20260218-1"], again.io)).toBe(1);
    expect(again.err()).toBe('digest-bot pending: no pending repost or manual run "m20260218-1"; digest-bot pending lists them\n');
    const empty = io(config);
    expect(await runPending(["--cancel", " "], empty.io)).toBe(2);
    expect(empty.err()).toMatch(/^digest-bot pending: --cancel needs a run id \(digest-bot pending lists them\)\n\nUsage: digest-bot pending/);
    const none = io(config);
    expect(await runPending([], none.io)).toBe(0);
    expect(none.out()).toBe("No pending reposts or manual deliveries.\n");
  });
});

describe.runIf(testBackends().includes("postgres"))("digest-bot migrate", () => {
  /** A version-2 state file (before leases) as an older digest-bot left it, with a subscription and an interrupted run. */
  function olderState(file: string) {
    const db = new Database(file);
    db.exec(MIGRATIONS[0]!.sqlite);
    db.exec(MIGRATIONS[1]!.sqlite);
    db.pragma("user_version = 2");
    db.prepare("INSERT INTO subscriptions (platform, target_id, sections, created_at, updated_at) VALUES ('telegram', '-1001', '[0,2]', ?, ?)").run(T0, T0);
    db.prepare("INSERT INTO subscriptions (platform, target_id, enabled, disabled_reason, source, created_at, updated_at) VALUES ('discord', '123456', 0, '403 Missing Access', 'settings', ?, ?)").run(T0, T0);
    // Planned later, listed first by the clock: order must follow planning (rowid), not created_at.
    for (const [run, at] of [["m2", "2026-02-18T09:30:00.000Z"], ["m1", "2026-02-18T09:00:00.000Z"]] as const) {
      db.prepare("INSERT INTO runs (run_id, kind, platform, target_id, digest_date, created_at) VALUES (?, 'manual', 'telegram', '-1001', '2026-02-18', ?)").run(run, at);
      for (let i = 0; i < 2; i++) {
        db.prepare(
          `INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, status, message_id, attempts, payload, payload_hash, idempotency_key, created_at, updated_at, claimed_by)
           VALUES (?, 'manual', '2026-02-18', 'telegram', '-1001', ?, 2, ?, ?, 1, ?, 'h', ?, ?, ?, ?)`,
        ).run(run, i, i === 0 ? "sent" : "in-flight", i === 0 ? "77" : null, JSON.stringify(`${run}-${i}`), `${run}k${i}`, at, at, i === 0 ? null : "999:gone");
      }
    }
    db.close();
  }

  it("copies the corrections too: after the move the next revision is planned from what the channel shows, numbered on", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const sqlite = await openSqliteStorage(dir);
    const run = { runId: "m1", kind: "manual" as const, platform: "telegram" as const, targetId: "-1001", digestDate: "2026-02-18", sections: "all" as const };
    await sqlite.ledger.planRun({ ...run, payloads: ["a", "b"], now: T0 });
    for (const partIndex of [0, 1]) await sqlite.ledger.markSent({ ...run, partIndex }, `${70 + partIndex}`, T0);
    await sqlite.revisions.planRevision({
      run,
      partCount: 3,
      revisionId: "v1",
      now: T0,
      operations: [
        { partIndex: 0, operation: "keep", messageId: "70", oldHash: "h0", newHash: "h0" },
        { partIndex: 1, operation: "edit", messageId: "71", oldHash: "h1", newHash: "h1b", payload: "B" },
        { partIndex: 2, operation: "send", newHash: "h2", payload: "C" },
      ],
    });
    const [edit, extra] = await sqlite.revisions.openParts("telegram", "-1001");
    await sqlite.revisions.marks.markSent(edit!, "71", T0);
    await sqlite.revisions.marks.markSent(extra!, "72", T0);
    const shown = await sqlite.revisions.currentMessages(run);
    expect(shown).toEqual([
      { messageId: "70", hash: "h0" },
      { messageId: "71", hash: "h1b" },
      { messageId: "72", hash: "h2" },
    ]);
    await sqlite.close();
    const r = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dir, "unused"), DATABASE_URL: database.url }));
    expect(await runMigrate(["--from", `sqlite:${dir}`], r.io)).toBe(0);
    const pg = await openPostgresStorage(database.url);
    cleanups.push(() => pg.close());
    expect(await pg.revisions.currentMessages(run)).toEqual(shown);
    const [delivered] = await pg.revisions.deliveredRuns("2026-02-18");
    expect(delivered).toMatchObject({ runId: "m1", sections: "all" });
    expect(await pg.revisions.planRevision({ run, partCount: 3, revisionId: "v2", now: T0, operations: [{ partIndex: 0, operation: "edit", messageId: "70", oldHash: "h0", newHash: "x", payload: "X" }] })).toBe(2);
  });

  it("copies the stored search pages and personal alerts: a page button and the watches work after the move, no alert is sent again", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const sqlite = await openSqliteStorage(dir);
    const request = { query: `${"很长的查询 ".repeat(20)}agent`, page: 2 };
    const key = await sqlite.searchPages.put(request);
    for (const query of ["sonnet", "安全"]) await sqlite.watches.add({ platform: "telegram", userId: "7", query }, 10, T0);
    await sqlite.watches.planAlert({ platform: "telegram", userId: "7", storyId: "s1", digestDate: "2026-02-18", query: "sonnet", payload: { text: "x" }, now: T0 });
    await sqlite.watches.marks.markSent({ runId: "s1", platform: "telegram", targetId: "7", partIndex: 0 }, "55", T0);
    await sqlite.close();
    const r = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dir, "unused"), DATABASE_URL: database.url }));
    expect(await runMigrate(["--from", `sqlite:${dir}`], r.io)).toBe(0);
    const pg = await openPostgresStorage(database.url);
    cleanups.push(() => pg.close());
    expect(await pg.searchPages.get(key)).toEqual(request);
    expect((await pg.watches.list("telegram", "7")).map((w) => w.query)).toEqual(["sonnet", "安全"]);
    expect(await pg.watches.planAlert({ platform: "telegram", userId: "7", storyId: "s1", digestDate: "2026-02-18", query: "sonnet", payload: {}, now: T0 })).toBe(false);
    expect((await pg.watches.alerts("telegram", "7"))[0]).toMatchObject({ status: "sent", messageId: "55" });
    // New watches are numbered after the copied ones.
    expect(await pg.watches.add({ platform: "telegram", userId: "7", query: "glm" }, 10, T0)).toBe("added");
    expect((await pg.watches.list("telegram", "7")).map((w) => w.query)).toEqual(["sonnet", "安全", "glm"]);
  });

  it("copies a version-2 SQLite state into an empty PostgreSQL, keeping order, claims and outcomes", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const file = join(dir, STATE_DB_FILE);
    olderState(file);
    const r = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dir, "unused"), DATABASE_URL: database.url }));
    expect(await runMigrate(["--from", `sqlite:${dir}`], r.io)).toBe(0);
    expect(r.err()).toBe(`digest-bot migrate: copied 2 subscriptions, 2 runs and 4 messages from ${file} into ${new URL(database.url).toString()}\n`);
    const pg = await openPostgresStorage(database.url);
    cleanups.push(() => pg.close());
    expect(await pg.subscriptions.list()).toEqual([
      { platform: "discord", targetId: "123456", enabled: false, disabledReason: "403 Missing Access", source: "settings", createdAt: T0 },
      { platform: "telegram", targetId: "-1001", sections: [0, 2], enabled: true, source: "command", createdAt: T0 },
    ]);
    const open = await pg.ledger.openParts("telegram", "-1001");
    expect(open.map((p) => [p.runId, p.partIndex, p.status, p.claimedBy, p.payload, p.idempotencyKey])).toEqual([
      ["m2", 1, "in-flight", "999:gone", "m2-1", "m2k1"],
      ["m1", 1, "in-flight", "999:gone", "m1-1", "m1k1"],
    ]);
    expect((await pg.ledger.runParts("m1"))[0]).toMatchObject({ status: "sent", messageId: "77", attempts: 1 });
    // The source was upgraded in place to the current schema and kept its rows.
    const src = new Database(file, { readonly: true });
    expect(src.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(src.prepare("SELECT count(*) FROM deliveries").pluck().get()).toBe(4);
    src.close();
    // A second copy into the same database is refused: it would double the ledger.
    const again = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: dir, DATABASE_URL: database.url }));
    expect(await runMigrate(["--from", `sqlite:${file}`], again.io)).toBe(1);
    expect(again.err()).toBe(
      `digest-bot migrate: state: ${new URL(database.url).toString()} already holds state (2 subscriptions, 2 runs, 4 messages); migrate into an empty database\n`,
    );
  });

  it("explains bad usage: no DATABASE_URL, no source, a source that is not there", async () => {
    const noUrl = io(parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: dir }));
    expect(await runMigrate(["--from", `sqlite:${dir}`], noUrl.io)).toBe(2);
    expect(noUrl.err()).toBe("digest-bot migrate: set DATABASE_URL to the PostgreSQL database to copy into (postgres://user:password@host:5432/database)\n");
    const config = parseConfig({ DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: dir, DATABASE_URL: "postgres://bot@127.0.0.1:1/x" });
    const noFrom = io(config);
    expect(await runMigrate([], noFrom.io)).toBe(2);
    expect(noFrom.err()).toContain("digest-bot migrate: give the source as --from sqlite:PATH, e.g. --from sqlite:data/state");
    const missing = io(config);
    expect(await runMigrate(["--from", `sqlite:${join(dir, "nope.sqlite")}`], missing.io)).toBe(1);
    expect(missing.err()).toBe(`digest-bot migrate: there is no SQLite state at ${join(dir, "nope.sqlite")}\n`);
  });
});
