// The storage interface on both backends: subscriptions, runs and parts, pending runs and cancelling, racing claims, migrations.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/core/storage/migrations.js";
import { openPostgresStorage, redactUrl } from "../../../src/core/storage/open-storage.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { createTestDatabase, testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const LATER = "2026-02-18T09:05:00.000Z";

const { opener, onCleanup } = useStoreOpeners("digest-bot-store-");

const plan = (s: Storage, runId: string, kind: "manual" | "repost" | "scheduled", targetId: string, payloads: unknown[], extra: object = {}) =>
  s.ledger.planRun({ runId, kind, platform: "telegram", targetId, digestDate: "2026-02-18", payloads, now: T0, ...extra });

describe.each(testBackends())("on %s", (backend) => {
  it("keeps settings targets as they are, and /subscribe re-enables with the new filter", async () => {
    const s = await opener(backend)();
    expect(await s.subscriptions.ensureSettingsTarget("telegram", "-1001", T0)).toBe(true);
    await s.subscriptions.disable("telegram", "-1001", "403 Forbidden", LATER);
    expect(await s.subscriptions.ensureSettingsTarget("telegram", "-1001", LATER)).toBe(false);
    expect(await s.subscriptions.get("telegram", "-1001")).toMatchObject({ enabled: false, disabledReason: "403 Forbidden", source: "settings", createdAt: T0 });
    await s.subscriptions.upsert("telegram", "-1001", [0, 2], LATER);
    await s.subscriptions.setSchedule("telegram", "-1001", "0 8 * * *", "Europe/Berlin", LATER);
    const sub = await s.subscriptions.get("telegram", "-1001");
    expect(sub).toEqual({
      platform: "telegram",
      targetId: "-1001",
      sections: [0, 2],
      cron: "0 8 * * *",
      timezone: "Europe/Berlin",
      enabled: true,
      source: "settings",
      createdAt: T0,
    });
    expect(await s.subscriptions.remove("telegram", "-1001")).toBe(true);
    expect(await s.subscriptions.remove("telegram", "-1001")).toBe(false);
    expect(await s.subscriptions.list()).toEqual([]);
  });

  it("lists open parts in planning order, even when the clock says otherwise", async () => {
    const s = await opener(backend)();
    await plan(s, "m-b", "manual", "-1", ["b0", "b1"], { now: LATER });
    await plan(s, "m-a", "manual", "-1", ["a0"], { now: T0 });
    await s.ledger.markSent({ runId: "m-b", platform: "telegram", targetId: "-1", partIndex: 0 }, "41", LATER);
    expect((await s.ledger.openParts("telegram", "-1")).map((p) => p.payload)).toEqual(["b1", "a0"]);
    expect(await s.ledger.targetsWithOpenParts()).toEqual([{ platform: "telegram", targetId: "-1" }]);
    expect(await s.ledger.lastRun("telegram", "-1")).toMatchObject({ runId: "m-b", status: "pending" });
  });

  it("records one run per slot, whoever plans it first", async () => {
    const open = opener(backend);
    const s = await open();
    const other = await open();
    const slot = "2026-02-18T09:00:00.000Z";
    const both = await Promise.all([plan(s, "s1", "scheduled", "-1", ["x"], { slot }), plan(other, "s2", "scheduled", "-1", ["y"], { slot })]);
    expect([...both].sort()).toEqual([false, true]);
    const [winner, loser] = both[0] ? ["s1", "s2"] : ["s2", "s1"];
    // The loser wrote nothing: one run, one set of parts.
    expect((await s.ledger.openParts("telegram", "-1")).map((p) => p.runId)).toEqual([winner]);
    expect(await s.ledger.runParts(loser!)).toEqual([]);
    // A skip of a slot already planned changes nothing either.
    await s.ledger.skipSlot({ runId: "s3", platform: "telegram", targetId: "-1", slot, note: "late", now: T0 });
    expect(await s.ledger.lastRun("telegram", "-1")).toMatchObject({ runId: winner, outcome: "planned" });
    expect(await s.ledger.slotStates([{ platform: "telegram", targetId: "-1", slot }], "2026-02-18")).toEqual([{ slotTaken: true, delivered: true }]);
  });

  it("lists pending reposts and manual runs (not scheduled ones) and cancels one, leaving the others", async () => {
    const s = await opener(backend)();
    await plan(s, "s1", "scheduled", "-1", ["s"], { slot: T0 });
    await plan(s, "m1", "manual", "-1", ["m0", "m1", "m2"], { requestedBy: "cli" });
    await plan(s, "r1", "repost", "-2", ["r0"]);
    await s.ledger.markSent({ runId: "m1", platform: "telegram", targetId: "-1", partIndex: 0 }, "7", LATER);
    await s.ledger.markFailed({ runId: "m1", platform: "telegram", targetId: "-1", partIndex: 1 }, "pending", "500 Internal Server Error", LATER);
    expect(await s.ledger.pendingRuns()).toEqual([
      {
        runId: "m1",
        kind: "manual",
        digestDate: "2026-02-18",
        platform: "telegram",
        targetId: "-1",
        createdAt: T0,
        requestedBy: "cli",
        open: 2,
        parts: 3,
        lastError: "500 Internal Server Error",
      },
      { runId: "r1", kind: "repost", digestDate: "2026-02-18", platform: "telegram", targetId: "-2", createdAt: T0, open: 1, parts: 1 },
    ]);
    expect(await s.ledger.cancelRun("s1", "no", LATER)).toBe(0);
    expect(await s.ledger.cancelRun("nope", "no", LATER)).toBe(0);
    expect(await s.ledger.cancelRun("m1", "cancelled by an admin", LATER)).toBe(2);
    expect((await s.ledger.pendingRuns()).map((r) => r.runId)).toEqual(["r1"]);
    expect((await s.ledger.runParts("m1")).map((p) => [p.status, p.lastError ?? null])).toEqual([
      ["sent", null],
      ["skipped", "cancelled by an admin"],
      ["skipped", "cancelled by an admin"],
    ]);
    expect(await s.ledger.lastRun("telegram", "-1")).toMatchObject({ runId: "m1", status: "sent" });
    expect((await s.ledger.openParts("telegram", "-1")).map((p) => p.runId)).toEqual(["s1"]);
  });

  it("lets exactly one of many engines racing on separate connections claim a part", async () => {
    const open = opener(backend);
    const first = await open();
    await plan(first, "m1", "manual", "-1", ["a"]);
    const stores = [first, ...(await Promise.all(Array.from({ length: 7 }, () => open())))];
    const [part] = await first.ledger.openParts("telegram", "-1");
    const wins = await Promise.all(
      stores.map((s, i) => s.leases.claim(part!, { status: "pending", attempts: 0 }, { owner: `o${i}@h:${i}:1`, now: T0, leaseUntil: LATER })),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const [after] = await first.ledger.runParts("m1");
    expect(after).toMatchObject({ status: "in-flight", attempts: 1, claimedBy: `o${wins.indexOf(true)}@h:${wins.indexOf(true)}:1`, leaseExpiresAt: LATER });
  });

  it("is at the latest schema version", async () => {
    const s = await opener(backend)();
    expect(await s.schemaVersion()).toBe(MIGRATIONS.length);
  });
});

describe.runIf(testBackends().includes("postgres"))("PostgreSQL only", () => {
  it("migrates once when several instances start on an empty database at the same moment", async () => {
    const database = await createTestDatabase();
    onCleanup(() => database.drop());
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStorage(database.url)));
    onCleanup(async () => void (await Promise.all(stores.map((s) => s.close()))));
    expect(await Promise.all(stores.map((s) => s.schemaVersion()))).toEqual(Array(4).fill(MIGRATIONS.length));
    const versions = await sql<{ version: number }>`SELECT version FROM digest_bot_schema`.execute(stores[0]!.db);
    expect(versions.rows).toEqual([{ version: MIGRATIONS.length }]);
  });

  it("refuses a database written by a newer version, naming DATABASE_URL without its password", async () => {
    const database = await createTestDatabase();
    onCleanup(() => database.drop());
    const s = await openPostgresStorage(database.url);
    await sql`UPDATE digest_bot_schema SET version = ${MIGRATIONS.length + 2}`.execute(s.db);
    await s.close();
    const url = new URL(database.url);
    url.password = "hunter2";
    await expect(openPostgresStorage(url.toString())).rejects.toThrow(
      `state: ${redactUrl(database.url)} has schema version ${MIGRATIONS.length + 2}, this build knows ${MIGRATIONS.length}; upgrade digest-bot or use another DATABASE_URL`,
    );
  });

  it("says which server it could not reach, without the password", async () => {
    await expect(openPostgresStorage("postgres://bot:hunter2@127.0.0.1:1/digest")).rejects.toThrow(
      /^state: cannot use PostgreSQL at postgres:\/\/bot@127\.0\.0\.1:1\/digest: .*ECONNREFUSED.*; check DATABASE_URL and that the server is running$/,
    );
  });
});
