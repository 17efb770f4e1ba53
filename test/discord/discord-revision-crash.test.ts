// kill -9 while a revision sends its extra message, in a real child process: Discord's nonce keeps it to one message after restart.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage } from "../../src/core/storage/open-storage.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { CHILD_WAIT_MS, startBot as startProcess, whileAlive } from "../core/delivery/bot-process.js";
import { rows } from "../core/delivery/helpers.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { digestAsTheBotSees, expectedOperations, REVISION_DATE, revisionDigest, type DigestEdits } from "../core/delivery/revision-fixture.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const CHANNEL = "700000000000000009";
let fake: FakeDiscord | undefined;
let dir: string | undefined;
let state: Awaited<ReturnType<typeof backendEnv>> | undefined;
const children: ChildProcess[] = [];
const startBot = (env: Record<string, string>, line: string) => startProcess(join(import.meta.dirname, "revision-child.ts"), env, line, children);

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  children.length = 0;
  await state?.drop();
  fake = undefined;
  dir = undefined;
  state = undefined;
});

describe.each(testBackends())("kill -9 during a revision (child process, Discord), state on %s", (backend) => {
  it("the restarted bot re-sends the extra message with the same nonce: one message, edits kept, nothing lost", async () => {
    fake = await startFakeDiscord({ channelIds: [CHANNEL] });
    dir = mkdtempSync(join(tmpdir(), "digest-bot-dc-rev-crash-"));
    state = await backendEnv(backend);
    mkdirSync(join(dir, "digests"));
    const file = join(dir, "digests", `${REVISION_DATE}.md`);
    writeFileSync(file, revisionDigest());
    const env = {
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_BASE: fake.apiBase,
      DISCORD_GUILD_ID: fake.guildId,
      DIGEST_DIR: join(dir, "digests"),
      DATA_DIR: join(dir, "state"),
      BOT_LOCALE: "en",
      POST_CRON: "0 0 1 1 *",
      REVISION_QUIET_SECONDS: "0",
      ...state.env,
    };
    // The post as the bot plans it, with the story ids it recorded in DATA_DIR.
    const planNow = async () => planDiscordDailyPost(buildDailyPost(await digestAsTheBotSees(join(dir!, "digests"), join(dir!, "state"))), "en");
    const live = () => fake!.liveMessages(CHANNEL).map((m) => ({ embeds: m.body.embeds, components: m.body.components }));
    const first = await startBot({ ...env, CHILD_DELIVER_TO: CHANNEL }, "READY");
    const before = await planNow();
    expect(live()).toEqual(before.map((p) => ({ embeds: p.embeds, components: p.components })));

    const edits: DigestEdits = { addStories: 25, changeLink: true };
    const held = fake.holdNext("POST", new RegExp(`^/channels/${CHANNEL}/messages$`));
    writeFileSync(file, revisionDigest(edits));
    await whileAlive(first, held.arrived); // Both edits are done; the extra message is on its way.
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    held.release(); // Discord creates it; the answer never reaches the dead process.

    const second = await startBot(env, "READY");
    const posts = () => fake!.requests.filter((r) => r.method === "POST" && r.path === `/channels/${CHANNEL}/messages`);
    // The re-send of the extra message: checked on each request the fake records.
    await whileAlive(second, fake.waitForRequest(() => posts().length >= before.length + 2, CHILD_WAIT_MS));
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));

    const after = await planNow();
    expect(expectedOperations(before, after)).toEqual({ edits: 2, sends: 1, deletes: 0 });
    expect(live()).toEqual(after.map((p) => ({ embeds: p.embeds, components: p.components })));
    const resent = posts().slice(-2);
    expect((resent[0]!.body as { nonce: string }).nonce).toBe((resent[1]!.body as { nonce: string }).nonce);
    expect(fake.channelMessages(CHANNEL)).toHaveLength(before.length + 1);
    expect(fake.requests.filter((r) => r.method === "PATCH" && r.status === 200)).toHaveLength(2);
    const storage = await openStorage({ dataDir: env.DATA_DIR, databaseUrl: state.env.DATABASE_URL });
    try {
      const parts = await rows<{ operation: string; status: string; message_id: string }>(storage, "SELECT operation, status, message_id FROM revision_parts ORDER BY part_index");
      expect(parts.map((p) => [p.operation, p.status])).toEqual([
        ["edit", "sent"],
        ["edit", "sent"],
        ["send", "sent"],
      ]);
      expect(parts[2]!.message_id).toBe(fake.liveMessages(CHANNEL).at(-1)!.id);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
