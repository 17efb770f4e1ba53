// Every request the Discord publisher makes for the delivery path (post, channel read, crosspost, pin, unpin, edit, delete) waits first for the engine's pace, so all of them draw from the token's 50/s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../../src/discord/discord-publisher.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";
import { sampleDigest } from "./sample.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const NEWS = "700000000000000021";

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord({ channelIds: [NEWS], channelTypes: { [NEWS]: 5 } });
});
afterAll(async () => {
  await fake?.close();
});

/** A pace that records how many requests the fake had seen when each was asked for. */
function countingPace() {
  const seenAtEachCall: number[] = [];
  return { seenAtEachCall, pace: async () => void seenAtEachCall.push(fake.requests.length) };
}

describe("Discord delivery requests and the engine's pace", () => {
  it("a post to an announcement channel asks for a slot before the post, the channel read and the crosspost: one each, each before its request", async () => {
    const publisher = createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger: createLogger({ level: "silent" }) });
    const [header] = publisher.planDailyPost(buildDailyPost(sampleDigest()), {});
    const before = fake.requests.length;
    const { seenAtEachCall, pace } = countingPace();
    await publisher.send(NEWS, header!, { idempotencyKey: "paced1", signal: new AbortController().signal, earlierMessageIds: [], pace });
    const made = fake.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/\d{6,}/g, ":id")}`);
    expect(made).toEqual(["POST /channels/:id/messages", "GET /channels/:id", "POST /channels/:id/messages/:id/crosspost"]);
    // The n-th pace comes when the fake has seen the n − 1 requests before it: each request waited for its own.
    expect(seenAtEachCall).toEqual([before, before + 1, before + 2]);

    // The channel type is cached: the next post is one request and one slot.
    const second = countingPace();
    const [next] = publisher.planDailyPost(buildDailyPost(sampleDigest()), {});
    const at = fake.requests.length;
    await publisher.send(NEWS, next!, { idempotencyKey: "paced2", signal: new AbortController().signal, earlierMessageIds: [], pace: second.pace });
    expect(second.seenAtEachCall).toHaveLength(fake.requests.length - at);
  });

  it("a pin that unpins yesterday's header, an edit and a delete pace each of their requests", async () => {
    const publisher = createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger: createLogger({ level: "silent" }) });
    const payloads = publisher.planDailyPost(buildDailyPost(sampleDigest()), {});
    const signal = new AbortController().signal;
    const a = await publisher.send(NEWS, payloads[0]!, { idempotencyKey: "pin1", signal, earlierMessageIds: [] });
    const b = await publisher.send(NEWS, payloads[0]!, { idempotencyKey: "pin2", signal, earlierMessageIds: [] });
    for (const operation of [
      (pace: () => Promise<void>) => publisher.pin!(NEWS, b.messageId, { unpin: a.messageId, signal, pace }),
      (pace: () => Promise<void>) => publisher.edit!(NEWS, b.messageId, payloads[0]!, { pace }),
      (pace: () => Promise<void>) => publisher.delete!(NEWS, a.messageId, { pace }),
    ]) {
      const { seenAtEachCall, pace } = countingPace();
      const before = fake.requests.length;
      await operation(pace);
      const made = fake.requests.length - before;
      expect(made).toBeGreaterThan(0);
      expect(seenAtEachCall).toEqual(Array.from({ length: made }, (_, i) => before + i));
    }
  });
});
