// End to end: a delivered post is corrected in place on a fake Discord (PATCH/DELETE) as the digest file is edited in a running bot.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { toDiscordPayload, type DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { expectedOperations, REVISION_DATE, revisionDigest, untilRevisionsSettled, type DigestEdits } from "../core/delivery/revision-fixture.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { type FakeDiscord, type RecordedRequest } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";
import { expectWithinDiscordLimits } from "./sample.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const CHANNEL = "700000000000000001";

let fake: FakeDiscord;
let app: App;
let file: string;
const clock = { now: new Date(`${REVISION_DATE}T00:30:00Z`) };
/** Edits so far (each scenario builds on the previous one, as a publisher's day would). */
let edits: DigestEdits = {};
let revisions = 0;
/** Edits, sends and deletes per scenario, for the report. */
const counts: Record<string, { edits: number; sends: number; deletes: number; refused: number }> = {};

/** The post as the running bot plans it now (its archive assigns the story ids). */
const planOf = (_e?: DigestEdits) => planDiscordDailyPost(buildDailyPost(app.archive.get(REVISION_DATE)!), "en");
const live = () => fake.liveMessages(CHANNEL).map((m) => ({ embeds: m.body.embeds, components: m.body.components }));
const shape = (payloads: DiscordMessagePayload[]) => payloads.map((p) => ({ embeds: p.embeds, components: p.components }));

/** Saves the digest with more edits, lets the running bot correct the post, and returns the channel requests it made. */
async function revise(scenario: string, more: DigestEdits): Promise<RecordedRequest[]> {
  const mark = fake.requests.length;
  edits = { ...edits, ...more };
  writeFileSync(file, revisionDigest(edits));
  await app.archive.reload();
  await untilRevisionsSettled(app.storage, ++revisions);
  const requests = fake.requests.slice(mark).filter((r) => r.path.startsWith(`/channels/${CHANNEL}/messages`));
  counts[scenario] = {
    edits: requests.filter((r) => r.method === "PATCH" && r.status === 200).length,
    sends: requests.filter((r) => r.method === "POST" && r.status === 200).length,
    deletes: requests.filter((r) => r.method === "DELETE" && r.status === 204).length,
    refused: requests.filter((r) => r.status === 404).length,
  };
  for (const r of requests.filter((q) => q.method !== "DELETE")) expectWithinDiscordLimits(r.body as DiscordMessagePayload);
  return requests;
}

let state: Awaited<ReturnType<typeof backendEnv>> | undefined;
let bot: DiscordApp | undefined;

describe.each(testBackends())("Discord: corrections reach the channel, state on %s", (backend) => {
  beforeAll(async () => {
    edits = {};
    revisions = 0;
    clock.now = new Date(`${REVISION_DATE}T00:30:00Z`);
    state = await backendEnv(backend);
    bot = await startDiscordApp({
      token: TOKEN,
      name: "discord-rev",
      fake: { channelIds: [CHANNEL] },
      digests: (into) => {
        file = join(into, `${REVISION_DATE}.md`);
        writeFileSync(file, revisionDigest());
      },
      settings: () => ({ ...state!.env, DISCORD_CHANNEL_IDS: CHANNEL, REVISION_QUIET_SECONDS: "0" }),
      clock: () => clock.now,
      start: true,
    });
    ({ fake, app } = bot);
    clock.now = new Date(`${REVISION_DATE}T01:00:30Z`); // 09:00:30 in Asia/Shanghai
    await app.delivery.tick();
  });

  afterAll(async () => {
    await bot?.close();
    await state?.drop();
    process.stdout.write(`discord revision counts (${backend}): ${JSON.stringify(counts)}\n`);
  });

  it("delivers the generated digest as several messages", () => {
    expect(live()).toEqual(shape(planOf({})));
    expect(live().length).toBeGreaterThanOrEqual(2);
  });

  it("a fixed typo edits exactly one message (PATCH, no nonce, mentions off, buttons kept) and sends nothing", async () => {
    const requests = await revise("typo", { fixTypo: true });
    expect(counts.typo).toEqual({ edits: 1, sends: 0, deletes: 0, refused: 0 });
    const patch = requests.find((r) => r.method === "PATCH")!;
    const body = patch.body as Record<string, unknown>;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body).not.toHaveProperty("nonce");
    expect(JSON.stringify(body.embeds)).toContain("Story 3.2 title");
    expect((body.components as unknown[]).length).toBeGreaterThan(0);
    expect(live()).toEqual(shape(planOf(edits)));
  });

  it("a changed link edits only the message that shows it", async () => {
    await revise("link", { changeLink: true });
    expect(counts.link).toEqual({ edits: 1, sends: 0, deletes: 0, refused: 0 });
    expect(JSON.stringify(live())).toContain("https://example.org/corrected/5-1");
  });

  it("late stories edit the messages whose content moved and send the extra ones after the last", async () => {
    const before = planOf(edits);
    await revise("add", { addStories: 25 });
    const after = planOf(edits);
    const expected = expectedOperations(before, after);
    expect(expected.sends).toBeGreaterThan(0);
    expect(counts.add).toEqual({ edits: expected.edits, sends: expected.sends, deletes: 0, refused: 0 });
    expect(live()).toEqual(shape(after));
    // The extra messages carry a nonce like any send, so a re-send after a crash is dropped by Discord.
    const posts = fake.requests.filter((r) => r.method === "POST" && r.path === `/channels/${CHANNEL}/messages`).slice(-expected.sends);
    for (const p of posts) expect(p.body).toMatchObject({ enforce_nonce: true });
  });

  it("removed stories delete the surplus messages", async () => {
    const before = planOf(edits);
    await revise("remove", { addStories: 0, removeStory: true });
    const after = planOf(edits);
    const expected = expectedOperations(before, after);
    expect(expected.deletes).toBeGreaterThan(0);
    expect(counts.remove).toEqual({ edits: expected.edits, sends: 0, deletes: expected.deletes, refused: 0 });
    expect(live()).toEqual(shape(after));
  });

  it("a message an admin deleted is recorded as not corrected, the others still are, and /status says so", async () => {
    const messages = fake.liveMessages(CHANNEL);
    const last = messages.at(-1)!;
    fake.deleteAsAdmin(CHANNEL, last.id);
    await revise("refused", { rewordLast: true, fixTypo: false });
    expect(counts.refused).toMatchObject({ edits: 1, sends: 0, deletes: 0, refused: 1 });
    const status = await app.delivery.status();
    const rev = status.targets.find((t) => t.targetId === CHANNEL)!.lastRevision!;
    expect(rev.failed).toEqual([
      {
        part: messages.length,
        operation: "edit",
        messageId: last.id,
        reason: `discord edit of message ${last.id} in channel ${CHANNEL}: the message was deleted (code 10008 Unknown Message)`,
      },
    ]);
    expect(status.targets[0]!.enabled).toBe(true);
    const reply = await app.run("status", {}, { platform: "discord", isAdmin: true, adminScope: { kind: "operator" }, locale: "en" });
    const shown = toDiscordPayload(reply, "en").embeds[0]!.fields!.map((f) => f.value).join("\n");
    expect(shown).toContain(`Last correction: ${REVISION_DATE} revision 5`);
    expect(shown).toContain(`message ${messages.length} could not be corrected (edit, message ${last.id}): discord edit of message ${last.id}`);
  });
});
