// The crosspost decision never holds or repeats delivery: the channel type is read once a week, a failed or slow lookup or a 429'd crosspost skips it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../../src/discord/discord-publisher.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";
import { sampleDigest } from "./sample.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const TEXT = "700000000000000011";
const NEWS = "700000000000000012";
const NEWS_2 = "700000000000000013";
const NEWS_3 = "700000000000000014";
const DAY = 24 * 3_600_000;

let fake: FakeDiscord;
let clock = Date.now();
const logs: string[] = [];
const post = buildDailyPost(sampleDigest());
let run = 0;

function makePublisher() {
  const logger = createLogger({ level: "debug", pretty: false, destination: { write: (l: string) => void logs.push(l) } });
  return createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger, now: () => clock, crosspostTimeoutMs: 300 });
}
let publisher: ReturnType<typeof makePublisher>;

async function deliver(target: string): Promise<string[]> {
  const ids: string[] = [];
  run++;
  for (const [i, payload] of publisher.planDailyPost(post, {}).entries()) {
    const { messageId } = await publisher.send(target, payload, { idempotencyKey: `b${run}t${target.slice(-2)}p${i}`, signal: new AbortController().signal, earlierMessageIds: [...ids] });
    ids.push(messageId);
  }
  return ids;
}
const lookups = (channelId: string) => fake.requests.filter((r) => r.method === "GET" && r.path === `/channels/${channelId}`).length;

beforeAll(async () => {
  fake = await startFakeDiscord({ channelIds: [TEXT, NEWS, NEWS_2, NEWS_3], channelTypes: { [NEWS]: 5, [NEWS_2]: 5, [NEWS_3]: 5 } });
  publisher = makePublisher();
});
afterAll(async () => {
  await fake?.close();
});

describe("Discord crosspost decision bounds", () => {
  it("a channel's type is read once across daily runs, not once per run", async () => {
    await deliver(TEXT);
    clock += DAY;
    await deliver(TEXT);
    clock += DAY;
    await deliver(TEXT);
    expect(lookups(TEXT)).toBe(1);
    // The week's trust runs out: read again.
    clock += 7 * DAY;
    await deliver(TEXT);
    expect(lookups(TEXT)).toBe(2);
  });

  it("a failed or unanswered lookup never blocks the post: the part is sent once, not crossposted, and the next part asks again", async () => {
    fake.failNext({ method: "GET", path: new RegExp(`^/channels/${NEWS}$`), status: 500 });
    const ids = await deliver(NEWS);
    expect(fake.channelMessages(NEWS)).toHaveLength(ids.length);
    expect(fake.native.crossposts.filter((c) => c.startsWith(NEWS))).toEqual(ids.slice(1).map((id) => `${NEWS}/${id}`));
    fake.failNext({ method: "GET", path: new RegExp(`^/channels/${NEWS_2}$`), status: 0, mode: "hang", times: 100 });
    const held = await deliver(NEWS_2);
    expect(fake.channelMessages(NEWS_2)).toHaveLength(held.length);
    expect(fake.native.crossposts.filter((c) => c.startsWith(NEWS_2))).toEqual([]);
    expect(logs.some((l) => l.includes("could not read the channel's type"))).toBe(true);
  });

  it("a crosspost answered 429 is not waited out (an hour's retry_after) nor repeated, and the message is not re-sent", async () => {
    fake.failNext({ method: "POST", path: /\/crosspost$/, status: 429, retryAfter: 3600, times: 100 });
    const ids = await deliver(NEWS_3);
    expect(fake.channelMessages(NEWS_3)).toHaveLength(ids.length);
    expect(fake.native.crossposts.filter((c) => c.startsWith(NEWS_3))).toEqual([]);
    // One attempt, never retried; the bucket known exhausted, the next part's crosspost is skipped without a request.
    expect(ids.length).toBeGreaterThan(1);
    expect(fake.requests.filter((r) => r.path.startsWith(`/channels/${NEWS_3}/messages/`) && r.path.endsWith("/crosspost"))).toHaveLength(1);
    expect(logs.some((l) => l.includes("crosspost failed"))).toBe(true);
  }, 10_000);
});
