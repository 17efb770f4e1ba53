// Alerts sent before their "…and N more" count was recorded, on both backends: after the upgrade their count is unknown and never edited; alerts sent since are.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Storage, StorageDialect } from "../../../src/core/storage/types.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const T1 = "2026-02-18T09:01:00.000Z";
const T2 = "2026-02-18T09:02:00.000Z";
/** The schema version that added `more_count` (migration "alert counts"): rows sent before it read 0 there. */
const COUNTS_VERSION = 12;
const { opener } = useStoreOpeners("digest-bot-alert-counts-");
const user = { platform: "discord" as const, userId: "42" };

/**
 * Writes the schema version back to `version`, as a state last opened by that build reads, taking out what the later
 * migrations that cannot run twice added ("moved runs": a column and its index).
 */
async function setVersion(s: Storage, backend: StorageDialect, version: number) {
  await sql.raw("DROP INDEX runs_moved_from").execute(s.db);
  await sql.raw("ALTER TABLE runs DROP COLUMN moved_from").execute(s.db);
  if (backend === "sqlite") await sql.raw(`PRAGMA user_version = ${version}`).execute(s.db);
  else await sql`UPDATE digest_bot_schema SET version = ${version}`.execute(s.db);
}

async function sendAlert(s: Storage, storyId: string, now: string, more = 0) {
  await s.watches.planAlert({ ...user, storyId, digestDate: "2026-02-18", query: "quokka", payload: { content: storyId }, more, now });
  await s.watches.marks.markSent({ runId: storyId, platform: "discord", targetId: "42", partIndex: 0 }, `m-${storyId}`, now);
}

describe.each(testBackends())("alert counts across the upgrade, on %s", (backend) => {
  it("an alert sent before counts were recorded tells an unknown count, and no edit is planned for it; one sent since is edited", async () => {
    const open = opener(backend);
    const before = await open();
    // As the "alert counts" migration left a state: the alert sent before it reads 0, whatever its message told.
    await sendAlert(before, "old", T0);
    await setVersion(before, backend, COUNTS_VERSION);
    const after = await open();
    expect((await after.watches.digestAlerts("discord", "42", "2026-02-18")).map((a) => [a.storyId, a.more])).toEqual([["old", null]]);
    expect(await after.watches.planEdit({ ...user, storyId: "old", payload: { content: "old …and 3 more" }, more: 3, now: T1 })).toBe(false);
    expect(await after.watches.pendingEdits("discord", "42")).toEqual([]);
    await sendAlert(after, "new", T1, 2);
    await sendAlert(after, "none", T2);
    expect((await after.watches.digestAlerts("discord", "42", "2026-02-18")).map((a) => [a.storyId, a.more])).toEqual([
      ["old", null],
      ["new", 2],
      ["none", 0],
    ]);
    expect(await after.watches.planEdit({ ...user, storyId: "new", payload: { content: "new …and 3 more" }, more: 3, now: T1 })).toBe(true);
  });
});
