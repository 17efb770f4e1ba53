// Two instances on one state editing one alert DM's "…and N more" through the real Discord DM adapter: the message ends telling the newest count, each edit made once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { editAlerts } from "../../src/core/delivery/alert-edits.js";
import { createPacer } from "../../src/core/delivery/pacing.js";
import { createLogger } from "../../src/core/logger.js";
import type { Storage } from "../../src/core/storage/types.js";
import { createDiscordDm, planDiscordAlert } from "../../src/discord/discord-dm.js";
import { createDiscordDeliveryRest } from "../../src/discord/discord-publisher.js";
import { testBackends, useStoreOpeners } from "../core/storage/backends.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-alert-edits";
const USER = "100000000000000021";
const DATE = "2026-02-18";
const STORY = { id: "20260218-quokka-abcde", date: DATE, section: "S", title: "Quokka report", body: "A quokka.", text: "A quokka.", links: [] };
const T0 = "2026-02-18T09:00:00.000Z";
const { opener } = useStoreOpeners("digest-bot-alert-edit-race-");
const logger = createLogger({ level: "silent" });

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The DM as planned for `count` more stories (0: none). */
const planned = (count: number) => planDiscordAlert({ story: STORY, query: "quokka", locale: "en", ...(count > 0 ? { more: { count, date: DATE, cap: 5 } } : {}) });
const moreLine = (count: number) => `…and ${count} more stories of the ${DATE} digest match your watches (at most 5 alerts a digest); /search finds them`;

describe.each(testBackends())("an alert's count edited by two instances, state on %s", (backend) => {
  /** Two instances (their own connection, REST client and owner id) and a DM already sent telling `count`. */
  async function setup(count: number) {
    fake = await startFakeDiscord();
    const open = opener(backend);
    /** The database's clock of the claims' leases (both instances): the real one, moved on by `advance`. */
    let offset = 0;
    const leaseNow = () => new Date(Date.now() + offset).toISOString();
    const advance = (ms: number) => (offset += ms);
    const instance = async (owner: string) => {
      const storage: Storage = await open();
      const dm = createDiscordDm({ rest: createDiscordDeliveryRest(TOKEN, fake!.apiBase), logger });
      // Unpaced and ungated: what a holder of the sender lease does, and what two do across a takeover.
      const deps = { store: storage.watches, pacer: createPacer({ limits: {} }), signal: new AbortController().signal, logger, now: () => new Date().toISOString(), owner, leaseNow, leaseRenewMs: 20 };
      const edit = () => editAlerts(dm, USER, deps);
      return { storage, dm, edit };
    };
    const a = await instance("a@other-host:1:");
    const b = await instance("b@other-host:2:");
    const payload = planned(count);
    await a.storage.watches.planAlert({ platform: "discord", userId: USER, storyId: STORY.id, digestDate: DATE, query: "quokka", payload, more: count, now: T0 });
    const { messageId } = await a.dm.sendDirect(USER, payload, { idempotencyKey: "alertquokka1", signal: new AbortController().signal });
    await a.storage.watches.marks.markSent({ runId: STORY.id, platform: "discord", targetId: USER, partIndex: 0 }, messageId, T0);
    const planEdit = (on: Storage, more: number) => on.watches.planEdit({ platform: "discord", userId: USER, storyId: STORY.id, payload: planned(more), more, now: new Date().toISOString() });
    /** What the user's DM shows now (the fake applies each PATCH when it answers it). */
    const shown = () => fake!.liveMessages(fake!.dms.of(USER)!).map((m) => m.body.content);
    const patches = () => fake!.requests.filter((r) => r.method === "PATCH").length;
    /** When the claim on the alert's waiting edit runs out (database clock), if it has one. */
    const leaseOf = async () => (await a.storage.watches.pendingEdits("discord", USER))[0]?.leaseExpiresAt;
    return { a, b, planEdit, shown, patches, advance, leaseNow, leaseOf };
  }

  it("a count planned on one instance while another's edit is on its way is told after it: the DM ends telling the newest count", async () => {
    const { a, b, planEdit, shown, patches } = await setup(3);
    expect(await planEdit(a.storage, 4)).toBe(true);
    const hold = fake!.holdNext("PATCH", /^\/channels\/\d+\/messages\/\d+$/);
    const editing = a.edit();
    await hold.arrived;
    // Meanwhile a revision seen by B takes the new story back out: the count is 3 again, what the DM told before.
    await planEdit(b.storage, 3);
    hold.release();
    await editing;
    for (let i = 0; i < 3; i++) {
      await a.edit();
      await b.edit();
    }
    expect(shown()).toEqual([`🔔 New story for your watch “quokka”\n${moreLine(3)}`]);
    expect(patches()).toBe(2);
    expect((await b.storage.watches.digestAlerts("discord", USER, DATE)).map((r) => [r.more, r.editMore])).toEqual([[3, null]]);
  });

  it("an instance that finds another's edit of the message on its way waits for it: an older count never lands last, and no edit is made twice", async () => {
    const { a, b, planEdit, shown, patches } = await setup(3);
    expect(await planEdit(a.storage, 4)).toBe(true);
    const hold = fake!.holdNext("PATCH", /^\/channels\/\d+\/messages\/\d+$/);
    const editing = a.edit();
    await hold.arrived;
    // B, now the sender (a takeover while A's request hangs), sees a newer count and edits.
    expect(await planEdit(b.storage, 5)).toBe(true);
    await b.edit();
    hold.release();
    await editing;
    for (let i = 0; i < 3; i++) {
      await b.edit();
      await a.edit();
    }
    expect(shown()).toEqual([`🔔 New story for your watch “quokka”\n${moreLine(5)}`]);
    expect(patches()).toBe(2);
    expect((await a.storage.watches.digestAlerts("discord", USER, DATE)).map((r) => [r.more, r.editMore])).toEqual([[5, null]]);
  });

  it("an edit on its way longer than its lease (a 429 wait in the client) keeps its claim: a newer count is made after it, and the DM ends telling it", async () => {
    const { a, b, planEdit, shown, patches, advance, leaseNow, leaseOf } = await setup(3);
    expect(await planEdit(a.storage, 4)).toBe(true);
    const hold = fake!.holdNext("PATCH", /^\/channels\/\d+\/messages\/\d+$/);
    const editing = a.edit();
    await hold.arrived;
    expect(await planEdit(b.storage, 5)).toBe(true);
    // A minute and more passes with A's request still waiting in its client.
    advance(61_000);
    // A still holding the claim renews it (polled for; without a renewal the claim just runs out).
    await vi.waitFor(async () => expect(Date.parse((await leaseOf()) ?? "") > Date.parse(leaseNow()) + 30_000).toBe(true), { timeout: 2000 }).catch(() => undefined);
    await b.edit();
    hold.release();
    await editing;
    for (let i = 0; i < 3; i++) {
      await a.edit();
      await b.edit();
    }
    expect(shown()).toEqual([`🔔 New story for your watch “quokka”\n${moreLine(5)}`]);
    expect(patches()).toBe(2);
    expect((await b.storage.watches.digestAlerts("discord", USER, DATE)).map((r) => [r.more, r.editMore])).toEqual([[5, null]]);
  });
});
