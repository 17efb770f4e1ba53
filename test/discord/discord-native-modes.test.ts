// Discord daily-post modes through the real delivery REST client against the fake: threads, forum posts, crossposts, silent, role ping, pins, edits in threads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostOptions } from "../../src/core/delivery/post-options.js";
import { PublishError, type Publisher } from "../../src/core/delivery/publisher.js";
import { createLogger } from "../../src/core/logger.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../../src/discord/discord-publisher.js";
import { threadNameOf } from "../../src/discord/discord-placement.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "./fake-discord.js";
import { sampleDigest } from "./sample.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const TEXT = "700000000000000001";
const NEWS = "700000000000000002";
const FORUM = "700000000000000003";
const NEWS_LONG = "700000000000000004";
const TEXT_2 = "700000000000000005";
const ROLE = "810000000000000042";
const TAGS = [
  { id: "910000000000000001", name: "模型与能力" },
  { id: "910000000000000002", name: "agent" },
  { id: "910000000000000003", name: "Hardware" },
  { id: "910000000000000004", name: "研究与方法", moderated: true },
];

let fake: FakeDiscord;
let publisher: Publisher<DiscordMessagePayload>;
const logs: string[] = [];
const post = { ...buildDailyPost(sampleDigest()), title: "AI 日报" };
let run = 0;

/** Sends a post's parts in order as the engine does: each with its key and the ids of the parts before it. */
async function deliver(target: string, options: PostOptions, payloads = publisher.planDailyPost(post, options)): Promise<string[]> {
  const ids: string[] = [];
  run++;
  for (const [i, payload] of payloads.entries()) {
    const { messageId } = await publisher.send(target, payload, { idempotencyKey: `r${run}t${target.slice(-2)}p${i}`, signal: new AbortController().signal, earlierMessageIds: [...ids] });
    ids.push(messageId);
  }
  return ids;
}

const since = (mark: number, match: (r: RecordedRequest) => boolean = () => true) => fake.requests.slice(mark).filter((r) => r.path !== "/users/@me").filter(match);

beforeAll(async () => {
  fake = await startFakeDiscord({
    channelIds: [TEXT, NEWS, FORUM, NEWS_LONG, TEXT_2],
    channelTypes: { [NEWS]: 5, [FORUM]: 15, [NEWS_LONG]: 5 },
    forumTags: { [FORUM]: TAGS },
  });
  const logger = createLogger({ level: "debug", pretty: false, destination: { write: (l: string) => void logs.push(l) } });
  publisher = createDiscordPublisher({ rest: createDiscordDeliveryRest(TOKEN, fake.apiBase), locale: "en", logger });
});

afterAll(async () => {
  await fake?.close();
});

describe("Discord daily-post modes against a fake Discord", () => {
  it("thread mode: the header in the channel, then a public thread from it named by the date, the sections in it", async () => {
    const mark = fake.requests.length;
    const ids = await deliver(TEXT, { mode: "thread" });
    const [header, ...sections] = ids;
    const requests = since(mark, (r) => r.method !== "GET");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /channels/${TEXT}/messages`,
      `POST /channels/${TEXT}/messages/${header}/threads`,
      ...sections.map(() => `POST /channels/${header}/messages`),
    ]);
    expect(sections.length).toBeGreaterThan(0);
    expect(requests[1]!.body).toEqual({ name: "2026-02-18 · AI 日报", auto_archive_duration: 1440 });
    // The header stands alone (the sections are all in the thread), every message with its nonce.
    expect((requests[0]!.body as DiscordMessagePayload).embeds).toHaveLength(1);
    for (const r of requests.filter((q) => q.path.endsWith("/messages"))) expect(r.body).toMatchObject({ nonce: expect.any(String), enforce_nonce: true, allowed_mentions: { parse: [] } });
    for (const r of requests) expect(r.body).not.toHaveProperty("digest_placement");
    expect(sections.every((id) => id.startsWith(`${header}/`))).toBe(true);
    expect(fake.native.threads().find((t) => t.id === header)).toMatchObject({ parentId: TEXT, type: 11 });
    expect(fake.channelMessages(header!)).toHaveLength(sections.length);
  });

  it("names a thread by the date, with the title only when both fit Discord's 100 characters", () => {
    expect(threadNameOf("2026-02-18", "AI 日报\n  weekly")).toBe("2026-02-18 · AI 日报 weekly");
    expect(threadNameOf("2026-02-18", "x".repeat(87))).toBe(`2026-02-18 · ${"x".repeat(87)}`);
    expect(threadNameOf("2026-02-18", "x".repeat(88))).toBe("2026-02-18");
    expect(threadNameOf("2026-02-18", undefined)).toBe("2026-02-18");
  });

  it("forum mode: one post titled with the date and title, tags matching section names, the rest in the post", async () => {
    const mark = fake.requests.length;
    const ids = await deliver(FORUM, { mode: "forum" });
    const created = since(mark, (r) => r.method === "POST");
    const threadId = ids[0]!.split("/")[0]!;
    expect(ids[0]).toBe(`${threadId}/${threadId}`);
    expect(created.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /channels/${FORUM}/threads`, ...ids.slice(1).map(() => `POST /channels/${threadId}/messages`)]);
    const body = created[0]!.body as { name: string; applied_tags: string[]; message: Record<string, unknown> };
    expect(body.name).toBe("2026-02-18 · AI 日报");
    // "模型与能力" exactly, "agent" inside "Agent 与工具链"; "Hardware" matches nothing; moderated tags are never applied.
    expect(body.applied_tags).toEqual(["910000000000000001", "910000000000000002"]);
    expect(body.message).not.toHaveProperty("nonce");
    expect(body.message).toMatchObject({ allowed_mentions: { parse: [] } });
    expect(fake.native.threads().filter((t) => t.parentId === FORUM)).toHaveLength(1);
  });

  it("a resumed thread part: the thread is already there (160004 is success) and the nonce returns the same message", async () => {
    const payloads = publisher.planDailyPost(post, { mode: "thread" });
    const signal = new AbortController().signal;
    const header = await publisher.send(TEXT, payloads[0]!, { idempotencyKey: "resumeH", signal, earlierMessageIds: [] });
    const first = await publisher.send(TEXT, payloads[1]!, { idempotencyKey: "resumeS", signal, earlierMessageIds: [header.messageId] });
    const mark = fake.requests.length;
    const again = await publisher.send(TEXT, payloads[1]!, { idempotencyKey: "resumeS", signal, earlierMessageIds: [header.messageId] });
    expect(again).toEqual(first);
    expect(since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `POST /channels/${TEXT}/messages/${header.messageId}/threads 400`,
      `POST /channels/${header.messageId}/messages 200`,
    ]);
    expect(fake.channelMessages(header.messageId)).toHaveLength(1);
  });

  it("a forum post whose creation failed after Discord made it (502) is found, not made again", async () => {
    const payloads = publisher.planDailyPost(post, { mode: "forum" });
    const signal = new AbortController().signal;
    const before = fake.native.threads().filter((t) => t.parentId === FORUM).length;
    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${FORUM}/threads$`), status: 502, mode: "accept" });
    const failed = await publisher.send(FORUM, payloads[0]!, { idempotencyKey: "forum502", signal, earlierMessageIds: [] }).catch((err: unknown) => err);
    expect((failed as PublishError).kind).toBe("transient");
    const mark = fake.requests.length;
    const retried = await publisher.send(FORUM, payloads[0]!, { idempotencyKey: "forum502", signal, earlierMessageIds: [] });
    const made = fake.native.threads().filter((t) => t.parentId === FORUM);
    expect(made).toHaveLength(before + 1);
    expect(retried.messageId).toBe(`${made.at(-1)!.id}/${made.at(-1)!.id}`);
    expect(since(mark).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /guilds/${fake.guildId}/threads/active`]);
  });

  it("announcement channel: a short post is crossposted part by part; a crosspost failure does not re-send", async () => {
    fake.failNext({ method: "POST", path: /\/crosspost$/, status: 500 });
    const ids = await deliver(NEWS, {});
    expect(ids.length).toBeLessThanOrEqual(5);
    // The first crosspost failed (logged) and only the message stayed; the second part was published.
    expect(fake.native.crossposts.filter((c) => c.startsWith(NEWS))).toEqual(ids.slice(1).map((id) => `${NEWS}/${id}`));
    expect(fake.channelMessages(NEWS)).toHaveLength(ids.length);
    expect(logs.some((l) => l.includes("crosspost failed"))).toBe(true);
  });

  it("announcement channel: a post of more than 5 messages is crossposted by its header only", async () => {
    const many = publisher.planDailyPost(post, {});
    const long = Array.from({ length: 6 }, (_, i) => ({ ...many[i % many.length]!, digest_placement: { part: i, parts: 6 } }));
    const ids = await deliver(NEWS_LONG, {}, long);
    expect(fake.native.crossposts.filter((c) => c.startsWith(NEWS_LONG))).toEqual([`${NEWS_LONG}/${ids[0]}`]);
  });

  it("silent: SUPPRESS_NOTIFICATIONS on every message; role ping only on the header with exactly that role allowed", async () => {
    const mark = fake.requests.length;
    await deliver(TEXT_2, { silent: true, pingRole: ROLE });
    const posts = since(mark, (r) => r.method === "POST").map((r) => r.body as DiscordMessagePayload);
    expect(posts.length).toBeGreaterThan(1);
    for (const p of posts) expect(p.flags).toBe(4096);
    expect(posts[0]!.content).toBe(`<@&${ROLE}>`);
    expect(posts[0]!.allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
    for (const p of posts.slice(1)) {
      expect(p.allowed_mentions).toEqual({ parse: [] });
      expect(p.content).toBeUndefined();
    }
  });

  it("pins the header and unpins the one pinned before (an already-gone previous pin is fine)", async () => {
    const [first] = await deliver(TEXT_2, {});
    await publisher.pin!(TEXT_2, first!, { signal: new AbortController().signal });
    const [second] = await deliver(TEXT_2, {});
    const mark = fake.requests.length;
    await publisher.pin!(TEXT_2, second!, { unpin: first!, signal: new AbortController().signal });
    expect(since(mark).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /channels/${TEXT_2}/messages/pins/${second}`, `DELETE /channels/${TEXT_2}/messages/pins/${first}`]);
    expect(fake.native.pins(TEXT_2)).toEqual([second]);
    fake.deleteAsAdmin(TEXT_2, second!);
    const [third] = await deliver(TEXT_2, {});
    await publisher.pin!(TEXT_2, third!, { unpin: second!, signal: new AbortController().signal });
    expect(fake.native.pins(TEXT_2)).toEqual([third]);
  });

  it("a forum post is pinned as the forum's pinned post (yesterday's unpinned first)", async () => {
    const [today] = await deliver(FORUM, { mode: "forum" });
    const [yesterday] = fake.native.threads().filter((t) => t.parentId === FORUM).map((t) => `${t.id}/${t.id}`);
    await publisher.pin!(FORUM, yesterday!, { signal: new AbortController().signal });
    await publisher.pin!(FORUM, today!, { unpin: yesterday!, signal: new AbortController().signal });
    const pinned = fake.native.threads().filter((t) => t.parentId === FORUM && (t.flags & 2) !== 0).map((t) => t.id);
    expect(pinned).toEqual([today!.split("/")[0]]);
  });

  it("unpin (an unsubscribe): the header's pin is removed, an already-gone one is fine, a forum post loses its pinned flag, no permission is named", async () => {
    const [header] = await deliver(TEXT_2, {});
    await publisher.pin!(TEXT_2, header!, { signal: new AbortController().signal });
    const mark = fake.requests.length;
    await publisher.unpin!(TEXT_2, header!, { signal: new AbortController().signal });
    expect(since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`DELETE /channels/${TEXT_2}/messages/pins/${header} 204`]);
    expect(fake.native.pins(TEXT_2)).not.toContain(header);
    fake.deleteAsAdmin(TEXT_2, header!);
    await publisher.unpin!(TEXT_2, header!, { signal: new AbortController().signal });
    const [post] = await deliver(FORUM, { mode: "forum" });
    const earlier = fake.native.threads().find((t) => t.parentId === FORUM && (t.flags & 2) !== 0);
    await publisher.pin!(FORUM, post!, { ...(earlier ? { unpin: `${earlier.id}/${earlier.id}` } : {}), signal: new AbortController().signal });
    expect(fake.native.threads().filter((t) => t.parentId === FORUM && (t.flags & 2) !== 0).map((t) => t.id)).toEqual([post!.split("/")[0]]);
    await publisher.unpin!(FORUM, post!, { signal: new AbortController().signal });
    expect(fake.native.threads().filter((t) => t.parentId === FORUM && (t.flags & 2) !== 0)).toEqual([]);
    const [again] = await deliver(TEXT_2, {});
    await publisher.pin!(TEXT_2, again!, { signal: new AbortController().signal });
    fake.failNext({ method: "DELETE", path: /\/pins\//, status: 403, code: 50013 });
    const refused = await publisher.unpin!(TEXT_2, again!, { signal: new AbortController().signal }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PublishError);
    expect((refused as PublishError).kind).toBe("permanent");
    expect((refused as PublishError).message).toContain("give the bot Pin Messages");
    expect(fake.native.pins(TEXT_2)).toContain(again);
  });

  it("a forum post closed (archived) since it was pinned is still unpinned, by the next day's pin and by an unsubscribe, and stays closed", async () => {
    const pinnedPosts = () => fake.native.threads().filter((t) => t.parentId === FORUM && (t.flags & 2) !== 0).map((t) => t.id);
    const pinNow = async (id: string) => {
      const [earlier] = pinnedPosts();
      await publisher.pin!(FORUM, id, { ...(earlier ? { unpin: `${earlier}/${earlier}` } : {}), signal: new AbortController().signal });
    };
    const [yesterday] = await deliver(FORUM, { mode: "forum" });
    await pinNow(yesterday!);
    const yesterdayThread = yesterday!.split("/")[0]!;
    fake.native.archive(yesterdayThread); // Closed by a moderator, or by the 24 h auto-archive.
    const [today] = await deliver(FORUM, { mode: "forum" });
    await pinNow(today!);
    expect(pinnedPosts()).toEqual([today!.split("/")[0]]);
    expect(fake.native.isArchived(yesterdayThread)).toBe(true);
    const todayThread = today!.split("/")[0]!;
    fake.native.archive(todayThread);
    await publisher.unpin!(FORUM, today!, { signal: new AbortController().signal });
    expect(pinnedPosts()).toEqual([]);
    expect(fake.native.isArchived(todayThread)).toBe(true);
  });

  it("a revision edits a message inside the thread, and reopens an archived thread to do it", async () => {
    const ids = await deliver(TEXT, { mode: "thread" });
    const inThread = ids[1]!;
    const [threadId, messageId] = inThread.split("/") as [string, string];
    fake.native.archive(threadId);
    const payload = publisher.planDailyPost(post, { mode: "thread" })[1]!;
    const changed = { ...payload, embeds: [{ ...payload.embeds[0]!, description: "corrected" }, ...payload.embeds.slice(1)] };
    const mark = fake.requests.length;
    await publisher.edit!(TEXT, inThread, changed);
    expect(since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH /channels/${threadId}/messages/${messageId} 400`,
      `PATCH /channels/${threadId} 200`,
      `PATCH /channels/${threadId}/messages/${messageId} 200`,
    ]);
    expect(fake.liveMessages(threadId).find((m) => m.id === messageId)?.body.embeds).toEqual(changed.embeds);
    await publisher.delete!(TEXT, inThread);
    expect(fake.liveMessages(threadId).some((m) => m.id === messageId)).toBe(false);
  });

  it("permission errors name the permission each mode needs", async () => {
    const attempt = async (target: string, options: PostOptions, failure: { method: string; path: RegExp; code: number }) => {
      fake.failNext({ ...failure, status: 403 });
      return deliver(target, options).then(
        () => undefined,
        (err: unknown) => err,
      );
    };
    const thread = await attempt(TEXT, { mode: "thread" }, { method: "POST", path: /\/threads$/, code: 50013 });
    expect(thread).toBeInstanceOf(PublishError);
    expect((thread as PublishError).kind).toBe("permanent");
    expect((thread as PublishError).message).toContain("give the bot Create Public Threads");
    const inThread = await attempt(TEXT, { mode: "thread" }, { method: "POST", path: /^\/channels\/\d+\/messages$/, code: 50001 }).catch(() => undefined);
    // The header is the first POST …/messages: Send Messages in the channel.
    expect((inThread as PublishError).message).toContain("give the bot View Channel, Send Messages and Embed Links");
    const forum = await attempt(FORUM, { mode: "forum" }, { method: "POST", path: new RegExp(`^/channels/${FORUM}/threads$`), code: 50013 });
    expect((forum as PublishError).message).toContain("Send Messages (Create Posts)");
    const wrongMode = await deliver(TEXT, { mode: "forum" }).catch((err: unknown) => err);
    expect((wrongMode as PublishError).message).toBe(
      `discord channel ${TEXT}: mode forum needs a forum channel, this one is of type 0; /subscribe there with mode channel or thread`,
    );
    fake.failNext({ method: "PUT", path: /\/pins\//, status: 403, code: 50013 });
    const [header] = await deliver(TEXT_2, {});
    const pin = await publisher.pin!(TEXT_2, header!, { signal: new AbortController().signal }).catch((err: unknown) => err);
    expect((pin as PublishError).message).toContain("give the bot Pin Messages");
  });
});
