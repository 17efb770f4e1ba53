// End to end: corrections of a post delivered as a forum post edit, send and delete the messages inside that post (running bot, fake Discord).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { REVISION_DATE, revisionDigest, untilRevisionsSettled, type DigestEdits } from "../core/delivery/revision-fixture.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { type FakeDiscord, type RecordedRequest } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const FORUM = "700000000000000003";

let fake: FakeDiscord;
let app: App;
let bot: DiscordApp | undefined;
let file: string;
let postId: string;
const clock = { now: new Date(`${REVISION_DATE}T00:30:00Z`) };
let edits: DigestEdits = {};
let revisions = 0;

const planOf = () => planDiscordDailyPost(buildDailyPost(app.archive.get(REVISION_DATE)!), "en", { mode: "forum" });
/** What the forum post shows now, message by message. */
const live = () => fake.liveMessages(postId).map((m) => ({ embeds: m.body.embeds, components: m.body.components }));
const shape = (payloads: ReturnType<typeof planOf>) => payloads.map((p) => ({ embeds: p.embeds, components: p.components }));

async function revise(more: DigestEdits): Promise<RecordedRequest[]> {
  const mark = fake.requests.length;
  edits = { ...edits, ...more };
  writeFileSync(file, revisionDigest(edits));
  await app.archive.reload();
  await untilRevisionsSettled(app.storage, ++revisions);
  return fake.requests.slice(mark).filter((r) => r.path.startsWith("/channels/"));
}

describe.each(testBackends())("Discord forum post corrections, state on %s", (backend) => {
  let state: Awaited<ReturnType<typeof backendEnv>>;
  beforeAll(async () => {
    state = await backendEnv(backend);
    edits = {};
    revisions = 0;
    clock.now = new Date(`${REVISION_DATE}T00:30:00Z`);
    bot = await startDiscordApp({
      token: TOKEN,
      name: "discord-native-rev",
      fake: { channelIds: [FORUM], channelTypes: { [FORUM]: 15 } },
      digests: (into) => {
        file = join(into, `${REVISION_DATE}.md`);
        writeFileSync(file, revisionDigest());
      },
      settings: () => ({ DISCORD_CHANNEL_IDS: FORUM, DISCORD_POST_MODE: "forum", ...state.env, REVISION_QUIET_SECONDS: "0" }),
      clock: () => clock.now,
      start: true,
    });
    ({ fake, app } = bot);
    clock.now = new Date(`${REVISION_DATE}T01:00:30Z`);
    await app.delivery.tick();
    postId = fake.native.threads().find((t) => t.parentId === FORUM)!.id;
  });

  afterAll(async () => {
    await bot?.close();
    await state?.drop();
  });

  describe("Discord: corrections reach the forum post", () => {
    it("delivered the digest as one forum post of several messages", () => {
      expect(fake.native.threads().filter((t) => t.parentId === FORUM)).toHaveLength(1);
      expect(live()).toEqual(shape(planOf()));
      expect(live().length).toBeGreaterThanOrEqual(3);
    });

    it("a fixed typo edits the one message inside the post that shows it", async () => {
      const requests = await revise({ fixTypo: true });
      const patches = requests.filter((r) => r.method === "PATCH");
      expect(patches).toHaveLength(1);
      expect(patches[0]!.path).toMatch(new RegExp(`^/channels/${postId}/messages/\\d+$`));
      expect(patches[0]!.status).toBe(200);
      expect(live()).toEqual(shape(planOf()));
    });

    it("late stories send the extra messages into the post, removed ones delete inside it", async () => {
      const added = await revise({ addStories: 25 });
      const sends = added.filter((r) => r.method === "POST");
      expect(sends.length).toBeGreaterThan(0);
      for (const s of sends) expect(s.path).toBe(`/channels/${postId}/messages`);
      expect(live()).toEqual(shape(planOf()));
      const removed = await revise({ addStories: 0 });
      const deletes = removed.filter((r) => r.method === "DELETE");
      expect(deletes.length).toBeGreaterThan(0);
      for (const d of deletes) expect(d.path).toMatch(new RegExp(`^/channels/${postId}/messages/\\d+$`));
      expect(live()).toEqual(shape(planOf()));
      // Still one post: nothing of a correction opens another.
      expect(fake.native.threads().filter((t) => t.parentId === FORUM)).toHaveLength(1);
    });
  });
});
