// Today's thread deleted by a moderator before the sections are sent: the reason names the thread, not a missing channel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PublishError } from "../../src/core/delivery/publisher.js";
import { createLogger } from "../../src/core/logger.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../../src/discord/discord-publisher.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";
import { sampleDigest } from "./sample.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const TEXT = "700000000000000021";
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord({ channelIds: [TEXT] });
});
afterAll(async () => {
  await fake?.close();
});

describe("Discord thread deleted mid-post", () => {
  it("a section refused with Unknown Channel because the thread was deleted says so, without the token", async () => {
    const logger = createLogger({ level: "silent", pretty: false });
    const publisher = createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger });
    const [header, second] = publisher.planDailyPost(buildDailyPost(sampleDigest()), { mode: "thread" });
    const signal = new AbortController().signal;
    const { messageId } = await publisher.send(TEXT, header!, { idempotencyKey: "g1p0", signal, earlierMessageIds: [] });
    // Discord's answer for a message to a deleted thread.
    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${messageId}/messages$`), status: 404, code: 10003, message: "Unknown Channel" });
    const err = await publisher.send(TEXT, second!, { idempotencyKey: "g1p1", signal, earlierMessageIds: [messageId] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).kind).toBe("permanent");
    expect((err as PublishError).message).toBe(
      `discord channel ${TEXT}: today's thread ${messageId} no longer exists (deleted by a moderator?), so the rest of today's post cannot be sent there; run /subscribe in the channel again to resume delivery`,
    );
    expect((err as PublishError).message).not.toContain(TOKEN);
  });
});

describe("Discord thread locked by a moderator, then a revision", () => {
  it("the edit that cannot reopen the archived thread names Manage Threads, not Send Messages", async () => {
    const logger = createLogger({ level: "silent", pretty: false });
    const publisher = createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger });
    const [header, second] = publisher.planDailyPost(buildDailyPost(sampleDigest()), { mode: "thread" });
    const signal = new AbortController().signal;
    const first = await publisher.send(TEXT, header!, { idempotencyKey: "l1p0", signal, earlierMessageIds: [] });
    const part = await publisher.send(TEXT, second!, { idempotencyKey: "l1p1", signal, earlierMessageIds: [first.messageId] });
    fake.native.archive(first.messageId);
    // Locked: reopening needs Manage Threads, which the bot lacks.
    fake.failNext({ method: "PATCH", path: new RegExp(`^/channels/${first.messageId}$`), status: 403, code: 50013, message: "Missing Permissions" });
    const err = await publisher.edit!(TEXT, part.messageId, second!).catch((e: unknown) => e);
    expect((err as PublishError).kind).toBe("permanent");
    expect((err as PublishError).message).toBe(
      `discord channel ${first.messageId}: Discord 403 (code 50013) Missing Permissions; the thread is archived and the bot cannot reopen it to edit the post (a locked thread needs Manage Threads): unlock it, or give the bot Manage Threads there`,
    );
  });
});
