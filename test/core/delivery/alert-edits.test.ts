// Edits of sent alerts through the ledger on both backends: made until marked (again after a crash, changing nothing), then never again.
import { describe, expect, it } from "vitest";
import { editAlerts } from "../../../src/core/delivery/alert-edits.js";
import type { AlertPublisher } from "../../../src/core/delivery/alert-publisher.js";
import { createOwner } from "../../../src/core/delivery/owner.js";
import { createPacer } from "../../../src/core/delivery/pacing.js";
import { createLogger } from "../../../src/core/logger.js";
import type { AlertEditStore } from "../../../src/core/storage/alert-edit-store.js";
import { testBackends, useStoreOpeners } from "../storage/backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const T1 = "2026-02-18T09:01:00.000Z";
const { opener } = useStoreOpeners("digest-bot-alert-edits-");
const user = { platform: "console" as const, userId: "local" };

function editingDm() {
  const edits: { messageId: string; payload: unknown }[] = [];
  const publisher: AlertPublisher<unknown> = {
    platform: "console",
    planAlert: () => ({}),
    sendDirect: () => Promise.resolve({ messageId: "unused" }),
    editDirect(_userId, messageId, payload) {
      edits.push({ messageId, payload });
      return Promise.resolve();
    },
  };
  return { edits, publisher };
}

describe.each(testBackends())("alert edits on %s", (backend) => {
  it("an edit made but not marked (the process died) is made again with the same content, then never again", async () => {
    const s = await opener(backend)();
    await s.watches.planAlert({ ...user, storyId: "s5", digestDate: "2026-02-18", query: "q", payload: { title: "S5" }, now: T0 });
    await s.watches.marks.markSent({ runId: "s5", platform: "console", targetId: "local", partIndex: 0 }, "m5", T0);
    const edit = { ...user, storyId: "s5", payload: { title: "S5 …and 2 more" }, more: 2, now: T1 };
    expect(await s.watches.planEdit(edit)).toBe(true);
    expect(await s.watches.planEdit(edit)).toBe(false);
    const dm = editingDm();
    const deps = { pacer: createPacer(), signal: new AbortController().signal, logger: createLogger({ level: "silent" }), now: () => T1 };
    // Killed after the platform accepted the edit, before the ledger heard of it; its claim is still on the row.
    const dying: AlertEditStore = { ...s.watches, markEdited: () => Promise.reject(new Error("killed")) };
    const killed = createOwner(s);
    await expect(editAlerts(dm.publisher, "local", { ...deps, store: dying, owner: killed.id })).rejects.toThrow("killed");
    killed.release();
    // The restarted engine (another owner) makes it again at once: the claim's owner is provably gone.
    const restarted = createOwner(s);
    await editAlerts(dm.publisher, "local", { ...deps, store: s.watches, owner: restarted.id });
    await editAlerts(dm.publisher, "local", { ...deps, store: s.watches, owner: restarted.id });
    expect(dm.edits).toEqual([
      { messageId: "m5", payload: { title: "S5 …and 2 more" } },
      { messageId: "m5", payload: { title: "S5 …and 2 more" } },
    ]);
    expect(await s.watches.planEdit(edit)).toBe(false);
    expect((await s.watches.digestAlerts("console", "local", "2026-02-18")).map((a) => [a.more, a.editMore])).toEqual([[2, null]]);
    expect((await s.watches.alerts("console", "local"))[0]?.payload).toEqual({ title: "S5 …and 2 more" });
  });

  it("a newer count planned while an edit is being made stays waiting after that edit is marked", async () => {
    const s = await opener(backend)();
    await s.watches.planAlert({ ...user, storyId: "s5", digestDate: "2026-02-18", query: "q", payload: { title: "S5" }, now: T0 });
    await s.watches.marks.markSent({ runId: "s5", platform: "console", targetId: "local", partIndex: 0 }, "m5", T0);
    await s.watches.planEdit({ ...user, storyId: "s5", payload: { title: "S5 …and 2 more" }, more: 2, now: T1 });
    const [first] = await s.watches.pendingEdits("console", "local");
    expect(await s.watches.claimEdit(first!, { owner: "a", now: T1, leaseUntil: "2026-02-18T09:02:00.000Z" })).toBe(true);
    expect(await s.watches.planEdit({ ...user, storyId: "s5", payload: { title: "S5 …and 3 more" }, more: 3, now: T1 })).toBe(true);
    await s.watches.markEdited(first!, "a", T1);
    expect((await s.watches.pendingEdits("console", "local")).map((e) => [e.more, e.payload])).toEqual([[3, { title: "S5 …and 3 more" }]]);
    // The message tells what the edit made until the newer one is made.
    expect((await s.watches.digestAlerts("console", "local", "2026-02-18")).map((a) => [a.more, a.editMore])).toEqual([[2, 3]]);
    expect(await s.watches.usersWithEdits()).toEqual([{ platform: "console", targetId: "local" }]);
  });
});
