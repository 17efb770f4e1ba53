// Three `digest-bot start` processes on one PostgreSQL deliver to 20 Discord channels and 20 Telegram chats; one is killed -9 mid-delivery and the others finish it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { longDigest } from "../core/delivery/long-digest.js";
import { createTestDatabase, testBackends } from "../core/storage/backends.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";
import { openShared, sharedDigestDir, startInstance, subscribeEarlier, until, type ClusterOptions } from "./cluster.js";
import { collapseRepeats, inFlightByPid, inFlightOf, plannedParts, unsentCount } from "./cluster-ledger.js";
import { startHoldProxy } from "./hold-proxy.js";
import { cleanups } from "./launch.js";

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHANNELS = Array.from({ length: 20 }, (_, i) => `7000000000000001${String(i).padStart(2, "0")}`);
const CHATS = Array.from({ length: 20 }, (_, i) => String(-1_000_000_100 - i));

describe.runIf(testBackends().includes("postgres"))("kill -9 one of three instances mid-delivery", { timeout: 400_000 }, () => {
  it("the others take its parts over: Discord 0 duplicates, Telegram at most one per send it had in flight (counted), nothing lost, every message as planned", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const discord = await startFakeDiscord({ channelIds: CHANNELS });
    cleanups.push(() => discord.close());
    const telegram = await startFakeBotApi();
    cleanups.push(() => telegram.close());
    // Between the instances and the platforms: answers can be held, so a crash leaves sends in flight after the platform took them.
    const discordProxy = await startHoldProxy(discord.apiBase.replace(/\/api$/, ""), /^\/api\/v\d+\/channels\/\d+\/messages$/);
    cleanups.push(() => discordProxy.close());
    const telegramProxy = await startHoldProxy(telegram.apiRoot, /\/sendMessage$/);
    cleanups.push(() => telegramProxy.close());
    await subscribeEarlier(database.url, CHANNELS, CHATS);
    const digests = sharedDigestDir();
    const options: ClusterOptions = {
      databaseUrl: database.url,
      discordApiBase: `${discordProxy.origin}/api`,
      telegramApiRoot: telegramProxy.origin,
      channels: CHANNELS,
      chats: CHATS,
    };
    // All three run before the digest exists, so all three race for its delivery.
    const instances = await Promise.all(["a", "b", "c"].map((name) => startInstance(name, options, digests)));
    const storage = await openShared(database.url);

    // Part of the delivery goes through; then answers are held, so every instance ends up with sends in flight.
    discordProxy.holdAfter(15);
    telegramProxy.holdAfter(15);
    const today = new Date().toISOString().slice(0, 10);
    writeFileSync(join(digests, `${today}.md`), longDigest(today, 3));
    let last = -1;
    let steadySince = Date.now();
    await until("every instance blocked on held answers", async () => {
      const held = discordProxy.held + telegramProxy.held;
      if (held !== last) [last, steadySince] = [held, Date.now()];
      return held > 0 && Date.now() - steadySince > 1500;
    });

    // The victim: the instance with the most parts in flight (with a per-platform sender lease, the sender).
    const byPid = await inFlightByPid(storage);
    const victim = [...instances].sort((x, y) => (byPid.get(y.pid) ?? 0) - (byPid.get(x.pid) ?? 0))[0]!;
    victim.run.child.kill("SIGKILL");
    await victim.run.exited;
    const killedInFlight = await inFlightOf(storage, victim.pid);
    expect(killedInFlight.discord + killedInFlight.telegram).toBeGreaterThan(0);
    discordProxy.release();
    telegramProxy.release();

    await until("every part sent", async () => (await unsentCount(storage)) === 0, 300_000);
    const survivors = instances.filter((i) => i !== victim);
    for (const s of survivors) s.run.child.kill("SIGTERM");
    for (const s of survivors) expect((await s.run.exited).code, s.run.all().slice(-2000)).toBe(0);

    const parts = await plannedParts(storage);
    expect(parts.every((p) => p.status === "sent")).toBe(true);
    expect(new Set(parts.map((p) => `${p.platform}:${p.target_id}`)).size).toBe(40);
    let discordDuplicates = 0;
    let telegramDuplicates = 0;
    let lost = 0;
    for (const channel of CHANNELS) {
      const planned = parts.filter((p) => p.platform === "discord" && p.target_id === channel);
      const shown = discord.channelMessages(channel) as Record<string, unknown>[];
      discordDuplicates += Math.max(0, shown.length - planned.length);
      lost += Math.max(0, planned.length - shown.length);
      expect(shown.map((m) => [m.nonce, JSON.stringify(m.embeds)])).toEqual(planned.map((p) => [p.idempotency_key, JSON.stringify(p.payload.embeds)]));
    }
    for (const chat of CHATS) {
      const planned = parts.filter((p) => p.platform === "telegram" && p.target_id === chat).map((p) => String(p.payload.text));
      const { items, repeats } = collapseRepeats(telegram.messagesTo(chat).map((m) => m.text), (a, b) => a === b);
      telegramDuplicates += repeats;
      lost += planned.filter((text) => !items.includes(text)).length;
      expect(items).toEqual(planned);
    }
    const counted = parts.filter((p) => p.platform === "telegram").reduce((n, p) => n + p.possible_duplicates, 0);
    process.stdout.write(
      `multi-instance kill -9: victim had ${killedInFlight.discord} Discord + ${killedInFlight.telegram} Telegram parts in flight; ` +
        `${parts.length} messages planned; duplicates Discord ${discordDuplicates}, Telegram ${telegramDuplicates} (counted ${counted}); lost ${lost}\n`,
    );
    expect(discordDuplicates).toBe(0);
    expect(lost).toBe(0);
    expect(telegramDuplicates).toBeLessThanOrEqual(killedInFlight.telegram);
    // Every repeat is one the ledger counted as possible (shown in /status).
    expect(telegramDuplicates).toBeLessThanOrEqual(counted);
    expect(counted).toBeLessThanOrEqual(killedInFlight.telegram);
  });
});
