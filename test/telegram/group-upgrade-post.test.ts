// The day's post of a group upgraded to a supergroup, end to end through the real grammY adapter: never posted again in the supergroup (which shows the group's history), and one the upgrade interrupted finished there once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { longDigest } from "../core/delivery/long-digest.js";
import { testBackends } from "../core/storage/backends.js";
import { basicGroup as group, startFixture, stopFixture, TOKEN, type Fixture, untilDefined as until } from "./fixture.js";

const ADMIN = 79;
const OLD = -4242;
const NEW = -1009990001;
/** The day's 09:00 Shanghai slot of the day's digest (2026-02-18), a few seconds in. */
const AT_SLOT = "2026-02-18T01:00:30Z";
const MINUTE_LATER = "2026-02-18T01:01:30Z";
let f: Fixture | undefined;
let digests: string | undefined;
let nextMessageId = 8000;

afterEach(async () => {
  await stopFixture(f);
  f = undefined;
  if (digests) rmSync(digests, { recursive: true, force: true });
});

const from = { id: ADMIN, is_bot: false, first_name: "A" };

/** The bot on a digest of several messages a post, with a basic group `/subscribe`d by its admin. */
async function subscribedGroup(backend: StorageDialect): Promise<Fixture> {
  digests = mkdtempSync(join(tmpdir(), "digest-bot-upgrade-"));
  writeFileSync(join(digests, "2026-02-18.md"), longDigest("2026-02-18"));
  const fx = await startFixture(digests, "2026-02-18T00:50:00Z", {}, { backend });
  fx.tg.setChatAdmins(OLD, [ADMIN]);
  fx.tg.pushUpdate(TOKEN, { message: { message_id: nextMessageId++, date: 0, chat: group(OLD), from, text: "/subscribe", entities: [{ type: "bot_command", offset: 0, length: 10 }] } });
  await until(async () => ((await fx.app.storage.subscriptions.get("telegram", String(OLD))) ? true : undefined));
  // Its answer too: no message to the group is counted as part of the post.
  await fx.tg.waitForCall("sendMessage", (c) => Number(c.params.chat_id) === OLD);
  return fx;
}

/** Telegram upgrades the group; the bot sees the service message in the old group and follows the new id. */
async function upgrade(fx: Fixture): Promise<void> {
  fx.tg.upgradeGroup(OLD, NEW);
  fx.tg.pushUpdate(TOKEN, { message: { message_id: nextMessageId++, date: 0, chat: group(OLD), from, migrate_to_chat_id: NEW } });
  await until(async () => ((await fx.app.storage.subscriptions.get("telegram", String(NEW))) ? true : undefined));
}

/** The day's post as sent to `chat`: the texts of its accepted sendMessage calls, in order. */
const postedTo = (fx: Fixture, chat: number) =>
  fx.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === chat && c.status === 200).map((c) => String(c.params.text));
const refusedAt = (fx: Fixture, chat: number) => fx.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === chat && c.status !== 200).length;

/**
 * The day's digest corrected (every story's summary), its revision due now and the ticks that carry it out: the
 * calls they made to the group or the supergroup, and the requests still waiting.
 */
async function correctTheDay(fx: Fixture) {
  writeFileSync(join(fx.dir, "digests", "2026-02-18.md"), longDigest("2026-02-18").replaceAll("Then more.", "Then more, corrected."));
  await fx.app.archive.reload();
  const at = fx.clock.now.toISOString();
  await fx.app.storage.revisions.request("2026-02-18", at, at);
  const mark = fx.tg.calls().length;
  await fx.app.delivery.tick();
  await fx.app.delivery.tick();
  const calls = fx.tg.calls().slice(mark).filter((c) => [OLD, NEW].includes(Number(c.params.chat_id)));
  return { calls: calls.map((c) => `${c.method} ${String(c.params.chat_id)}`), waiting: await fx.app.storage.revisions.dueRequests(at) };
}

/** The day's post going out to the group, its second message held on its way (`second.release()` lets it go on). */
async function postHeldAtSecondMessage(backend: StorageDialect) {
  const fx = await subscribedGroup(backend);
  f = fx;
  const replies = postedTo(fx, OLD).length;
  let toGroup = 0;
  const second = fx.tg.holdNext("sendMessage", (params) => Number(params.chat_id) === OLD && ++toGroup === 2);
  fx.clock.now = new Date(AT_SLOT);
  const ticking = fx.app.delivery.tick();
  await second.arrived;
  return { fx, replies, second, ticking };
}

describe.each(testBackends())("the day's post of a group upgraded to a supergroup, state on %s", (backend) => {
  it("posted to the group before the upgrade: the next tick posts nothing to the supergroup", async () => {
    f = await subscribedGroup(backend);
    const replies = postedTo(f, OLD).length;
    f.clock.now = new Date(AT_SLOT);
    await f.app.delivery.tick();
    const post = postedTo(f, OLD).slice(replies);
    expect(post.length).toBeGreaterThan(1);
    await upgrade(f);
    f.clock.now = new Date(MINUTE_LATER);
    await f.app.delivery.tick();
    await f.app.delivery.tick();
    expect(postedTo(f, NEW)).toEqual([]);
    expect(postedTo(f, OLD).slice(replies)).toEqual(post);
    expect(await f.app.storage.ledger.lastRun("telegram", String(NEW))).toMatchObject({ digestDate: "2026-02-18", status: "sent" });
    // A correction of that post edits nothing: the group refuses it, and the supergroup does not have those messages.
    expect(await correctTheDay(f)).toEqual({ calls: [], waiting: [] });
  });

  it("upgraded while its second message was on its way: the supergroup gets the rest of the post once, nothing twice", async () => {
    const { fx, replies, second, ticking } = await postHeldAtSecondMessage(backend);
    f = fx;
    await upgrade(f);
    // Telegram refuses the message held on its way: the group is a supergroup now.
    second.release();
    await ticking;
    f.clock.now = new Date(MINUTE_LATER);
    await f.app.delivery.tick();
    await f.app.delivery.tick();
    const atGroup = postedTo(f, OLD).slice(replies);
    const atSupergroup = postedTo(f, NEW);
    expect(atGroup.length).toBe(1);
    expect(refusedAt(f, OLD)).toBe(1);
    expect(atSupergroup.length).toBeGreaterThan(0);
    // Group and supergroup together show the post once, in order: its header in the group, the rest here.
    const last = await f.app.storage.ledger.lastRun("telegram", String(NEW));
    expect(last).toMatchObject({ digestDate: "2026-02-18", status: "sent" });
    const planned = await f.app.storage.ledger.runParts(last!.runId, { platform: "telegram", targetId: String(OLD) });
    expect(planned.length).toBeGreaterThan(2);
    expect([...atGroup, ...atSupergroup]).toEqual(planned.map((p) => (p.payload as { text: string }).text));
    // Its messages in the supergroup are not the post's first ones: a correction would edit the wrong ones.
    expect(await correctTheDay(f)).toEqual({ calls: [], waiting: [] });
  });

  it("upgraded just after Telegram took its second message, whose answer came after the notice: the supergroup gets the rest, not that message again", async () => {
    const { fx, replies, second, ticking } = await postHeldAtSecondMessage(backend);
    f = fx;
    // The message reached the group before the upgrade; the bot sees the notice before Telegram's answer to it.
    f.tg.pushUpdate(TOKEN, { message: { message_id: nextMessageId++, date: 0, chat: group(OLD), from, migrate_to_chat_id: NEW } });
    await until(async () => ((await f!.app.storage.subscriptions.get("telegram", String(NEW))) ? true : undefined));
    second.release();
    await ticking;
    f.tg.upgradeGroup(OLD, NEW);
    f.clock.now = new Date(MINUTE_LATER);
    await f.app.delivery.tick();
    await f.app.delivery.tick();
    const atGroup = postedTo(f, OLD).slice(replies);
    expect([atGroup.length, refusedAt(f, OLD)]).toEqual([2, 0]);
    const last = await f.app.storage.ledger.lastRun("telegram", String(NEW));
    expect(last).toMatchObject({ digestDate: "2026-02-18", status: "sent" });
    const planned = await f.app.storage.ledger.runParts(last!.runId, { platform: "telegram", targetId: String(OLD) });
    expect([...atGroup, ...postedTo(f, NEW)]).toEqual(planned.map((p) => (p.payload as { text: string }).text));
  });

  it("upgraded before its second message, which Telegram refused before the bot saw the upgrade: the supergroup gets the rest once", async () => {
    const { fx, replies, second, ticking } = await postHeldAtSecondMessage(backend);
    f = fx;
    f.tg.upgradeGroup(OLD, NEW);
    second.release();
    // The refusal disables the group's subscription and drops the rest of the post there, until the notice comes.
    await ticking;
    expect((await f.app.storage.subscriptions.get("telegram", String(OLD)))?.enabled).toBe(false);
    await upgrade(f);
    f.clock.now = new Date(MINUTE_LATER);
    await f.app.delivery.tick();
    await f.app.delivery.tick();
    const atGroup = postedTo(f, OLD).slice(replies);
    expect([atGroup.length, refusedAt(f, OLD)]).toEqual([1, 1]);
    const last = await f.app.storage.ledger.lastRun("telegram", String(NEW));
    expect(last).toMatchObject({ digestDate: "2026-02-18", status: "sent" });
    const planned = await f.app.storage.ledger.runParts(last!.runId, { platform: "telegram", targetId: String(OLD) });
    expect([...atGroup, ...postedTo(f, NEW)]).toEqual(planned.map((p) => (p.payload as { text: string }).text));
  });
});
