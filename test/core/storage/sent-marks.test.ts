// Group commit of "sent" marks: on SQLite a send confirmed while others wait is committed with the next claim, or alone soon after, or at close; on PostgreSQL at once.
import { describe, expect, it } from "vitest";
import type { PartKey, Storage } from "../../../src/core/storage/types.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const LATER = "2026-02-18T09:05:00.000Z";
const OWNER = "bot@host:4242:1";

const { opener } = useStoreOpeners("digest-bot-sent-marks-");

const partOf = (targetId: string): PartKey => ({ runId: `m-${targetId}`, platform: "telegram", targetId, partIndex: 0 });

/** One single-part run for each target. */
async function planFor(s: Storage, targets: string[]) {
  for (const t of targets) {
    await s.ledger.planRun({ runId: `m-${t}`, kind: "manual", platform: "telegram", targetId: t, digestDate: "2026-02-18", payloads: [`to ${t}`], now: T0 });
  }
}
const claim = (s: Storage, key: PartKey) => s.leases.claim(key, { status: "pending", attempts: 0 }, { owner: OWNER, now: T0, leaseUntil: LATER });

/** The part as another process sees it (its own connection). */
async function seen(other: Storage, key: PartKey) {
  const row = await other.db
    .selectFrom("deliveries")
    .select(["status", "message_id"])
    .where("run_id", "=", key.runId)
    .where("target_id", "=", key.targetId)
    .executeTakeFirstOrThrow();
  return { status: row.status, messageId: row.message_id };
}

describe.each(testBackends())("on %s", (backend) => {
  it.runIf(backend === "sqlite")("commits a send confirmed while other sends wait together with the next claim, not on its own before it", async () => {
    const open = opener(backend);
    const s = await open();
    const other = await open();
    const [a, b] = [partOf("-1"), partOf("-2")];
    await planFor(s, ["-1", "-2"]);
    expect(await claim(s, a)).toBe(true);
    let recorded = false;
    const mark = s.ledger.markSent(a, "41", LATER, { withNextClaim: true }).then(() => (recorded = true));
    // Until a claim comes, another process still sees the part in flight (a kill -9 now re-sends it as a possible duplicate).
    expect(await seen(other, a)).toEqual({ status: "in-flight", messageId: null });
    expect(recorded).toBe(false);
    expect(await claim(s, b)).toBe(true);
    await mark;
    expect(await seen(other, a)).toEqual({ status: "sent", messageId: "41" });
    expect(await seen(other, b)).toEqual({ status: "in-flight", messageId: null });
  });

  it.runIf(backend === "postgres")("commits each mark at once, even while other sends wait (a commit there holds nothing else up)", async () => {
    const open = opener(backend);
    const s = await open();
    const other = await open();
    const a = partOf("-1");
    await planFor(s, ["-1"]);
    await claim(s, a);
    expect(s.ledger.groupsSentMarks).toBe(false);
    await s.ledger.markSent(a, "41", LATER, { withNextClaim: true });
    expect(await seen(other, a)).toEqual({ status: "sent", messageId: "41" });
  });

  it("commits a waiting mark on its own when no claim comes, and at once when nothing waits", async () => {
    const open = opener(backend);
    const s = await open();
    const other = await open();
    const [a, b] = [partOf("-1"), partOf("-2")];
    await planFor(s, ["-1", "-2"]);
    await claim(s, a);
    await claim(s, b);
    await s.ledger.markSent(a, "41", LATER, { withNextClaim: true });
    expect(await seen(other, a)).toEqual({ status: "sent", messageId: "41" });
    await s.ledger.markSent(b, "42", LATER);
    expect(await seen(other, b)).toEqual({ status: "sent", messageId: "42" });
  });

  it("writes the marks still waiting when the state closes (a stop)", async () => {
    const open = opener(backend);
    const s = await open();
    const other = await open();
    const [a, b] = [partOf("-1"), partOf("-2")];
    await planFor(s, ["-1", "-2"]);
    await claim(s, a);
    await claim(s, b);
    const marks = [s.ledger.markSent(a, "41", LATER, { withNextClaim: true }), s.ledger.markSent(b, "42", LATER, { withNextClaim: true })];
    await s.close();
    await Promise.all(marks);
    expect([await seen(other, a), await seen(other, b)]).toEqual([
      { status: "sent", messageId: "41" },
      { status: "sent", messageId: "42" },
    ]);
  });
});
