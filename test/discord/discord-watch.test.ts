// End to end on Discord: /watch in a server, alerts as DMs (POST /users/@me/channels, then the message with a nonce), once per story, and a user who cannot be messaged.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { DISCORD_DM_REFUSED } from "../../src/discord/discord-dm.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import type { FakeDiscord } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-watches";
const NEW_DATE = "2026-02-20";
const WATCHER = "100000000000000011";
const OTHER = "100000000000000012";
const BLOCKED = "100000000000000013";
const CHANNEL = "700000000000000001";

let fake: FakeDiscord;
let app: App;
let dir: string;
let bot: DiscordApp | undefined;

describe.each(testBackends())("Discord personal alerts, state on %s", (backend) => {
  let state: Awaited<ReturnType<typeof backendEnv>>;
  beforeAll(async () => {
    state = await backendEnv(backend);
    bot = await startDiscordApp({
      token: TOKEN,
      name: "discord-watch",
      fake: { channelIds: [CHANNEL] },
      settings: () => state.env,
      clock: () => new Date(`${NEW_DATE}T00:10:00Z`),
      start: true,
    });
    ({ fake, app, dir } = bot);
  });

  afterAll(async () => {
    await bot?.close();
    await state?.drop();
  });

  /** Runs a command as a plain member (no Manage Server) in the server's channel; the answer's text and flags. */
  async function run(name: string, userId: string, query?: string) {
    const options = query === undefined ? [] : [{ name: "query", type: 3, value: query }];
    const { id, token } = fake.interact({ kind: "command", name, member: { userId }, channelId: CHANNEL, options });
    const callback = await fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
    let body = (callback.body as { type: number; data: DiscordMessagePayload }).data;
    if ((callback.body as { type: number }).type === 5) {
      body = (await fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`), 10_000)).body as DiscordMessagePayload;
    }
    lastFlags = body.flags;
    return body.embeds[0]?.description ?? body.content ?? "";
  }
  let lastFlags: number | undefined;

  const dmsTo = (userId: string) => {
    const channel = fake.dms.of(userId);
    return (channel ? fake.channelMessages(channel) : []) as (DiscordMessagePayload & { nonce?: string; enforce_nonce?: boolean })[];
  };
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(check(), what).toBe(true);
  };

  describe("Discord personal alerts", () => {
    it("/watch works for a member without admin rights, in a server channel", async () => {
      expect(await run("watch", WATCHER, "封号")).toBe("Watching “封号”: when a new digest has a matching story, you get it in a private message (1/10).");
      expect(await run("watch", OTHER, "blockchain")).toContain("(1/10)");
      expect(await run("watch", WATCHER)).toBe("Your watches (1/10); matching new stories come to you in a private message:\n1\\. 封号");
      // The list and the confirmations are for the asker only (ephemeral, flag 64): the channel never sees them.
      expect(lastFlags).toBe(64);
      expect(await run("watch", OTHER, "agent")).toContain("(2/10)");
      expect(lastFlags).toBe(64);
      expect(await run("unwatch", OTHER, "agent")).toBe("Stopped watching “agent”.");
      expect(lastFlags).toBe(64);
    });

    it("a new digest with two matching stories sends those two as DMs to the watcher only, each with a nonce and no pings", async () => {
      writeFileSync(join(dir, "digests", `${NEW_DATE}.md`), readFileSync(join(import.meta.dirname, "../fixtures/sample/2026-02-18.md"), "utf8"));
      await app.archive.reload();
      await until(() => dmsTo(WATCHER).length === 2, "two DMs to the watcher");
      const opens = fake.requests.filter((r) => r.method === "POST" && r.path === "/users/@me/channels");
      // The DM channel is opened once and cached.
      expect(opens.map((r) => r.body)).toEqual([{ recipient_id: WATCHER }]);
      const dms = dmsTo(WATCHER);
      expect(dms.map((m) => m.embeds[0]!.title).sort()).toEqual([
        "OpenClaw + OAuth 引发封号：Anthropic 被指把第三方桌面 Agent 视作“逆向”",
        "OpenClaw 爆红也爆雷：强力多 Agent 框架，引发封号与安全争议",
      ]);
      for (const m of dms) {
        expect(m.content).toBe("🔔 New story for your watch “封号”");
        expect(m.allowed_mentions).toEqual({ parse: [] });
        expect(m.enforce_nonce).toBe(true);
        expect(m.nonce).toMatch(/^[a-f0-9]{25}$/);
      }
      expect(fake.dms.of(OTHER)).toBeUndefined();
      expect(fake.channelMessages(CHANNEL)).toEqual([]);
    });

    it("editing the digest again sends nothing more", async () => {
      const file = join(dir, "digests", `${NEW_DATE}.md`);
      writeFileSync(file, readFileSync(file, "utf8").replace("引发封号", "导致封号"));
      await app.archive.reload();
      await app.delivery.tick();
      await app.delivery.tick();
      expect(dmsTo(WATCHER)).toHaveLength(2);
    });

    it("Discord 50007 disables the user's watches with the reason, shown in /watch", async () => {
      fake.failNext({ method: "POST", path: /^\/channels\/5\d+\/messages$/, status: 403, code: 50007, message: "Cannot send messages to this user" });
      await app.delivery.watches.add({ platform: "discord", id: BLOCKED }, "sonnet", "en");
      await until(() => fake.requests.some((r) => r.status === 403 && r.path.startsWith("/channels/5")), "the refused DM");
      await app.delivery.tick();
      const listed = await run("watch", BLOCKED);
      // Discord escapes the list number so it is shown as written.
      expect(listed).toContain(`1\\. sonnet (disabled: ${DISCORD_DM_REFUSED})`);
      expect(listed).toContain("Send /watch <query> again to turn them back on.");
      expect(dmsTo(BLOCKED)).toEqual([]);
    });

    it("broad watches bring one user at most 5 DMs from the digest; one of them says how many more matched, pinging no one", async () => {
      const user = "100000000000000014";
      for (const q of ["agent", "开源", "安全"]) await app.storage.watches.add({ platform: "discord", userId: user, query: q, locale: "en" }, 10, `${NEW_DATE}T00:10:00Z`);
      expect(await app.delivery.watches.add({ platform: "discord", id: user }, "agent", "en")).toBe("exists");
      await until(() => dmsTo(user).length === 5, "five DMs to the user");
      await app.delivery.tick();
      const dms = dmsTo(user);
      expect(dms).toHaveLength(5);
      const counted = dms.filter((m) => m.content!.includes("…and "));
      expect(counted).toHaveLength(1);
      expect(counted[0]!.content).toMatch(/^🔔 New story for your watch “[^”]+”\n…and \d+ more stories of the 2026-02-20 digest match your watches \(at most 5 alerts a digest\); \/search finds them$/);
      for (const m of dms) expect(m.allowed_mentions).toEqual({ parse: [] });
    });
  });
});
