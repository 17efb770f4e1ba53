// The watch store on both backends: watches with their cap, one alert per (user, story) even when two instances plan it, claims and disabling.
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/core/storage/migrations.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const T1 = "2026-02-18T09:01:00.000Z";

const { opener } = useStoreOpeners("digest-bot-watch-store-");

const alert = (userId: string, storyId: string) => ({ platform: "discord" as const, userId, storyId, digestDate: "2026-02-18", query: "sonnet", payload: { content: storyId }, now: T0 });

describe.each(testBackends())("watch store on %s", (backend) => {
  it("migrates to the latest version with the watch tables", async () => {
    const s = await opener(backend)();
    expect(await s.schemaVersion()).toBe(MIGRATIONS.length);
    expect(await s.watches.list("telegram", "1")).toEqual([]);
  });

  it("adds watches up to the cap, keeps them in order, refuses a repeat, removes one", async () => {
    const s = await opener(backend)();
    const user = { platform: "telegram" as const, userId: "42" };
    expect(await s.watches.add({ ...user, query: "sonnet", locale: "en" }, 2, T0)).toBe("added");
    expect(await s.watches.add({ ...user, query: "sonnet" }, 2, T0)).toBe("exists");
    expect(await s.watches.add({ ...user, query: "安全" }, 2, T1)).toBe("added");
    expect(await s.watches.add({ ...user, query: "glm" }, 2, T1)).toBe("limit");
    // The cap is per user.
    expect(await s.watches.add({ platform: "discord", userId: "42", query: "glm" }, 2, T1)).toBe("added");
    expect((await s.watches.list("telegram", "42")).map((w) => [w.query, w.locale, w.enabled])).toEqual([
      ["sonnet", "en", true],
      ["安全", undefined, true],
    ]);
    expect(await s.watches.remove("telegram", "42", "sonnet", T1)).toBe(true);
    expect(await s.watches.remove("telegram", "42", "sonnet", T1)).toBe(false);
    expect((await s.watches.list("telegram", "42")).map((w) => w.query)).toEqual(["安全"]);
  });

  it("plans one alert per (user, story): a second plan, also from another connection, writes nothing", async () => {
    const open = opener(backend);
    const [a, b] = [await open(), await open()];
    const results = await Promise.all([a.watches.planAlert(alert("7", "s1")), b.watches.planAlert(alert("7", "s1"))]);
    expect(results.sort()).toEqual([false, true]);
    expect(await a.watches.planAlert(alert("7", "s1"))).toBe(false);
    expect(await a.watches.planAlert(alert("8", "s1"))).toBe(true);
    expect((await a.watches.alerts("discord", "7")).map((r) => [r.runId, r.status, r.idempotencyKey.length])).toEqual([["s1", "pending", 25]]);
    expect(await a.watches.usersWithOpenAlerts()).toEqual([
      { platform: "discord", targetId: "7" },
      { platform: "discord", targetId: "8" },
    ]);
  });

  it("claims an alert once across connections, marks it sent, and it is no longer open", async () => {
    const open = opener(backend);
    const [a, b] = [await open(), await open()];
    await a.watches.planAlert(alert("7", "s1"));
    const [part] = await a.watches.openAlerts("discord", "7");
    const claim = (owner: string) => ({ owner, now: T0, leaseUntil: T1 });
    const won = await Promise.all([a.watches.leases.claim(part!, part!, claim("A")), b.watches.leases.claim(part!, part!, claim("B"))]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const [inFlight] = await a.watches.openAlerts("discord", "7");
    expect(inFlight).toMatchObject({ status: "in-flight", attempts: 1 });
    await a.watches.marks.notePossibleDuplicate(part!, T1);
    await a.watches.marks.markSent(part!, "m1", T1);
    expect(await a.watches.openAlerts("discord", "7")).toEqual([]);
    expect((await a.watches.alerts("discord", "7"))[0]).toMatchObject({ status: "sent", messageId: "m1", possibleDuplicates: 1, sentAt: T1 });
  });

  it("disabling a user keeps the reason on every watch and skips their unsent alerts; adding again re-enables", async () => {
    const s = await opener(backend)();
    const user = { platform: "discord" as const, userId: "7" };
    await s.watches.add({ ...user, query: "sonnet" }, 10, T0);
    await s.watches.add({ ...user, query: "glm" }, 10, T0);
    await s.watches.planAlert(alert("7", "s1"));
    await s.watches.disableUser("discord", "7", "blocked", T1);
    expect((await s.watches.list("discord", "7")).map((w) => [w.enabled, w.disabledReason])).toEqual([
      [false, "blocked"],
      [false, "blocked"],
    ]);
    expect(await s.watches.enabled()).toEqual([]);
    expect((await s.watches.alerts("discord", "7"))[0]).toMatchObject({ status: "skipped", lastError: "blocked" });
    expect(await s.watches.add({ ...user, query: "sonnet" }, 10, T1)).toBe("exists");
    expect((await s.watches.list("discord", "7")).every((w) => w.enabled && w.disabledReason === undefined)).toBe(true);
    // Planned again once re-enabled: the given-up alert opens (never sent); a sent one never does.
    expect(await s.watches.planAlert({ ...alert("7", "s1"), now: T1 })).toBe(true);
    expect((await s.watches.alerts("discord", "7"))[0]).toMatchObject({ status: "pending", attempts: 0 });
    expect((await s.watches.alerts("discord", "7"))[0]?.lastError).toBeUndefined();
    await s.watches.marks.markSent({ runId: "s1", platform: "discord", targetId: "7", partIndex: 0 }, "m1", T1);
    expect(await s.watches.planAlert({ ...alert("7", "s1"), now: T1 })).toBe(false);
    expect((await s.watches.alerts("discord", "7"))[0]).toMatchObject({ status: "sent", messageId: "m1" });
  });

  it("/unwatch gives up that watch's pending alerts only; an in-flight one and other watches' are left", async () => {
    const s = await opener(backend)();
    const user = { platform: "discord" as const, userId: "7" };
    await s.watches.add({ ...user, query: "sonnet" }, 10, T0);
    await s.watches.planAlert(alert("7", "s1"));
    await s.watches.planAlert({ ...alert("7", "s2"), query: "agent" });
    expect(await s.watches.remove("discord", "7", "sonnet", T1)).toBe(true);
    const byStory = Object.fromEntries((await s.watches.alerts("discord", "7")).map((a) => [a.runId, a.status]));
    expect(byStory).toEqual({ s1: "skipped", s2: "pending" });
  });
});
