// `npm run bench:processes`: the sample digest to 1,000 Telegram chats and 300 Discord channels through 1 and 3 real `digest-bot start` processes on one PostgreSQL, and a kill -9 of the sender mid-broadcast.
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { DISCORD_REQUESTS_PER_SECOND, TELEGRAM_MESSAGES_PER_SECOND } from "../src/core/delivery/pacing.js";
import { openPostgresStorage } from "../src/core/storage/open-storage.js";
import type { Storage } from "../src/core/storage/types.js";
import { sharedDigestDir, startInstance, subscribeEarlier, until, type Instance } from "../test/cli/cluster.js";
import { plannedParts, unsentCount } from "../test/cli/cluster-ledger.js";
import { cleanups } from "../test/cli/launch.js";
import { startPostgres } from "../test/core/storage/postgres-server.js";
import { startFakeDiscord, type FakeDiscord } from "../test/discord/fake-discord.js";
import { startFakeBotApi, type FakeBotApi } from "../test/telegram/fake-bot-api.js";
import { freshDatabase } from "./delivery-instances.js";

const SAMPLE = "data/digests/2026-02-18.md";
const CHATS = Array.from({ length: 1000 }, (_, i) => String(5_000_000 + i));
const CHANNELS = Array.from({ length: 300 }, (_, i) => String(710_000_000_000_000_000n + BigInt(i)));
/** The kill -9 comes once this share of the Telegram messages is out. */
const KILL_AT = 0.3;
type PlatformName = "telegram" | "discord";

interface PlatformFigures {
  planned: number;
  shown: number;
  /** From the digest written to the last message: detection and planning included. */
  seconds: number;
  /** From the first message to the last. */
  sendSeconds: number;
  budget: number;
  /** Requests the platform counted against its global limit from the digest written to the end (Discord: every request; Telegram: the messages). */
  requests: number;
  violations: number;
  duplicates: number;
  lost: number;
  /** Messages sent per instance (the last claim of each part), in instance order. */
  byInstance: number[];
  /** After the kill: from the kill to the first message sent by another instance. */
  takeoverMs?: number;
}

interface ScenarioResult {
  name: string;
  platforms: Record<PlatformName, PlatformFigures>;
  /** SIGTERM of each instance still running at the end: how long until it exited, and its exit code. */
  stops: { name: string; ms: number; code: number | null }[];
  killed?: { name: string; inFlight: number; sentBefore: number };
  load: string;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

const pidOf = (owner: string | null | undefined) => Number(/:(\d+):\d*$/.exec(owner ?? "")?.[1] ?? 0);

/** A Discord message's time (ms), from its snowflake id: the fake makes them from its clock, as Discord does. */
const snowflakeTime = (id: unknown) => Number((BigInt(String(id)) >> 22n) + 1_420_070_400_000n);

/** Compares what each target shows with what the ledger planned for it. */
async function tally(
  storage: Storage,
  platform: PlatformName,
  shownOf: (target: string) => { key: string; at: number }[],
  instances: Instance[],
): Promise<Omit<PlatformFigures, "seconds" | "sendSeconds" | "budget" | "violations" | "requests"> & { first: number; last: number }> {
  const parts = (await plannedParts(storage)).filter((p) => p.platform === platform && p.status !== "skipped");
  const rows = await storage.db.selectFrom("deliveries").select(["claimed_by", "status"]).where("platform", "=", platform).where("status", "=", "sent").execute();
  const byInstance = instances.map((i) => rows.filter((r) => pidOf(r.claimed_by) === i.pid).length);
  let duplicates = 0;
  let lost = 0;
  let shown = 0;
  let first = Infinity;
  let last = 0;
  const targets = new Set(parts.map((p) => p.target_id));
  for (const target of targets) {
    const seen = shownOf(target);
    shown += seen.length;
    for (const s of seen) [first, last] = [Math.min(first, s.at), Math.max(last, s.at)];
    const keys = new Set(seen.map((s) => s.key));
    duplicates += seen.length - keys.size;
    const planned = parts.filter((p) => p.target_id === target).map((p) => (platform === "discord" ? p.idempotency_key : String(p.payload.text)));
    lost += planned.filter((k) => !keys.has(k)).length;
  }
  return { planned: parts.length, shown, duplicates, lost, byInstance, first, last };
}

async function scenario(adminUrl: string, name: string, count: number, kill: boolean): Promise<ScenarioResult> {
  const url = await freshDatabase(adminUrl, `bench_${name.replace(/\W+/g, "_")}`);
  const telegram: FakeBotApi = await startFakeBotApi({ enforceLimits: true });
  const discord: FakeDiscord = await startFakeDiscord({ channelIds: CHANNELS, enforceLimits: true });
  const storage = await openPostgresStorage(url);
  try {
    await subscribeEarlier(url, CHANNELS, CHATS);
    const digests = sharedDigestDir();
    const options = { databaseUrl: url, discordApiBase: discord.apiBase, telegramApiRoot: telegram.apiRoot, channels: CHANNELS, chats: CHATS };
    const names = ["a", "b", "c"].slice(0, count);
    // All run before the digest exists: they race for its delivery as they would at the scheduled time.
    const instances = await Promise.all(names.map((n) => startInstance(n, options, digests)));
    const today = new Date().toISOString().slice(0, 10);
    const written = Date.now();
    const discordRequestsBefore = discord.limitedRequests;
    writeFileSync(join(digests, `${today}.md`), readFileSync(SAMPLE));

    let killed: ScenarioResult["killed"];
    let killedAt = 0;
    let victim: Instance | undefined;
    if (kill) {
      await until("a share of the Telegram broadcast out", () => telegram.posted.length >= KILL_AT * CHATS.length * 2, 600_000);
      const lease = await storage.senderLeases.get("telegram");
      victim = instances.find((i) => i.pid === pidOf(lease?.holder))!;
      const sentBefore = telegram.posted.length;
      victim.run.child.kill("SIGKILL");
      killedAt = Date.now();
      await victim.run.exited;
      const inFlight = await storage.db.selectFrom("deliveries").select("claimed_by").where("status", "=", "in-flight").execute();
      killed = { name: victim.name, inFlight: inFlight.filter((r) => pidOf(r.claimed_by) === victim!.pid).length, sentBefore };
    }
    const runs = async () => Number((await storage.db.selectFrom("runs").select((eb) => eb.fn.countAll<number>().as("n")).where("digest_date", "=", today).executeTakeFirstOrThrow()).n);
    await until("a run planned for every target", async () => (await runs()) >= CHATS.length + CHANNELS.length, 600_000);
    await until("every part sent", async () => (await storage.ledger.targetsWithOpenParts()).length === 0 && (await unsentCount(storage)) === 0, 900_000);
    // The last answers reach the fakes' records a moment after the ledger says sent.
    await new Promise((r) => setTimeout(r, 500));

    const running = instances.filter((i) => i !== victim);
    const stops = await Promise.all(
      running.map(async (i) => {
        const at = Date.now();
        i.run.child.kill("SIGTERM");
        const exit = await i.run.exited;
        return { name: i.name, ms: exit.at - at, code: exit.code };
      }),
    );

    const tg = await tally(storage, "telegram", (chat) => telegram.messagesTo(chat).map((m) => ({ key: m.text, at: m.at })), instances);
    const dc = await tally(
      storage,
      "discord",
      (channel) => discord.liveMessages(channel).map((m) => ({ key: String(m.body.nonce), at: snowflakeTime(m.id) })),
      instances,
    );
    const takeover = async (platform: PlatformName) => {
      if (!victim) return undefined;
      const rows = await storage.db.selectFrom("deliveries").select(["claimed_by", "sent_at"]).where("platform", "=", platform).where("status", "=", "sent").execute();
      const after = rows.filter((r) => pidOf(r.claimed_by) !== victim!.pid && r.sent_at && Date.parse(r.sent_at) > killedAt).map((r) => Date.parse(r.sent_at!));
      return after.length > 0 ? Math.min(...after) - killedAt : undefined;
    };
    const figures = async (t: typeof tg, budget: number, violations: number, platform: PlatformName, requests: number): Promise<PlatformFigures> => {
      const { first, last, ...rest } = t;
      const takeoverMs = await takeover(platform);
      return { ...rest, seconds: (last - written) / 1000, sendSeconds: (last - first) / 1000, budget, requests, violations, ...(takeoverMs !== undefined ? { takeoverMs } : {}) };
    };
    return {
      name,
      platforms: {
        telegram: await figures(tg, TELEGRAM_MESSAGES_PER_SECOND, telegram.limitViolations, "telegram", tg.planned - tg.lost),
        // Discord counts every request (the channel reads too), as its global limit does.
        discord: await figures(dc, DISCORD_REQUESTS_PER_SECOND, discord.limitViolations, "discord", discord.limitedRequests - discordRequestsBefore),
      },
      stops,
      ...(killed ? { killed } : {}),
      load: load(),
    };
  } finally {
    await storage.close();
    for (const c of cleanups.splice(0).reverse()) await c();
    await telegram.close();
    await discord.close();
  }
}

function report(r: ScenarioResult): string {
  const lines = [`${r.name} (load average at the end ${r.load})`];
  for (const platform of ["telegram", "discord"] as const) {
    const p = r.platforms[platform];
    const rate = (p.planned - p.lost) / p.seconds;
    const sendRate = (p.planned - p.lost) / p.sendSeconds;
    // The budget share counts what the platform counts: requests on Discord, messages on Telegram.
    const perMessage = p.requests / Math.max(1, p.planned - p.lost);
    const requests = platform === "discord" ? `, ${p.requests} requests` : "";
    lines.push(
      `  ${platform}: ${p.planned} planned, ${p.shown} shown in ${p.seconds.toFixed(1)} s = ${rate.toFixed(1)} msg/s${requests} = ${((rate * perMessage) / p.budget).toFixed(2)} of ${p.budget}/s ` +
        `(first→last message ${sendRate.toFixed(1)} msg/s = ${((sendRate * perMessage) / p.budget).toFixed(2)}); 429s ${p.violations}, duplicates ${p.duplicates}, lost ${p.lost}; ` +
        `sent per instance ${p.byInstance.join(" / ")}${p.takeoverMs !== undefined ? `; takeover ${(p.takeoverMs / 1000).toFixed(1)} s after the kill` : ""}`,
    );
  }
  if (r.killed) lines.push(`  killed -9: ${r.killed.name} (Telegram sender) after ${r.killed.sentBefore} Telegram messages, with ${r.killed.inFlight} parts in flight`);
  lines.push(`  SIGTERM: ${r.stops.map((s) => `${s.name} exit ${s.code} in ${(s.ms / 1000).toFixed(2)} s`).join(", ")}`);
  return lines.join("\n");
}

/** `npm run bench:processes -- 1 kill`: only those scenarios (`1`, `3`, `kill`). */
const only = process.argv.slice(2);
const scenarios: [string, string, number, boolean][] = [
  ["1", "1 process", 1, false],
  ["3", "3 processes", 3, false],
  ["kill", "3 processes, kill -9 of the sender", 3, true],
];
process.stdout.write(`delivery benchmark, real processes on PostgreSQL (load average ${load()})\n`);
const server = await startPostgres();
try {
  for (const [key, name, count, kill] of scenarios) {
    if (only.length > 0 && !only.includes(key)) continue;
    process.stdout.write(`${report(await scenario(server.url, name, count, kill))}\n`);
  }
} finally {
  server.stop();
}
