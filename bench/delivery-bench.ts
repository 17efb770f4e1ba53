// `npm run bench:delivery [-- --baseline DIR]`: the sample digest broadcast to 100/300/1,000 Telegram chats and 300 Discord channels against loopback fakes that enforce the platform limits.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { parseConfig } from "../src/core/config.js";
import type { ArchiveChange, DigestArchive } from "../src/core/digest/archive.js";
import type { Digest, StoryRef } from "../src/core/digest/model.js";
import { parseDigest } from "../src/core/digest/parse-digest.js";
import { buildDailyPost } from "../src/core/summaries.js";
import { createDeliveryEngine } from "../src/core/delivery/engine.js";
import { createPacer, DISCORD_REQUESTS_PER_SECOND, TELEGRAM_MESSAGES_PER_SECOND } from "../src/core/delivery/pacing.js";
import type { Publisher } from "../src/core/delivery/publisher.js";
import { openSqliteStorage } from "../src/core/storage/open-storage.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../src/discord/discord-publisher.js";
import { createTelegramDeliveryApi, createTelegramPublisher } from "../src/telegram/telegram-publisher.js";
import { startFakeDiscord } from "../test/discord/fake-discord.js";
import { startFakeBotApi } from "../test/telegram/fake-bot-api.js";

const SAMPLE = "data/digests/2026-02-18.md";
const TELEGRAM_TOKEN = "987654:BENCH-telegram-token-abcdefghijk";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.BENCH-discord-token_abcdefgh";
/** Share of the platform budget a broadcast should reach. */
const GOAL = 0.9;

/** The sample digest alone: what `digest-bot deliver --all` would send. */
function oneDigestArchive(digest: Digest): DigestArchive {
  return {
    dates: () => [digest.date],
    all: () => [digest],
    get: (date: string) => (date === digest.date ? digest : undefined),
    latest: () => digest,
    findStory: (): StoryRef | undefined => undefined,
    onChange: (_listener: (c: ArchiveChange) => void) => () => undefined,
  } as DigestArchive;
}

interface Result {
  scenario: string;
  targets: number;
  messages: number;
  seconds: number;
  rate: number;
  budget: number;
  violations: number;
  duplicates: number;
  lost: number;
  /** Requests the platform counted in its global limit (Discord: every request; Telegram: the messages). */
  requests: number;
  /** Seconds from the start to the first message recorded sent (planning, lease, first slot). */
  firstSentAfter: number;
}

/** Delivers the sample to every subscription of one platform through the engine (the `deliver --all` path). */
async function broadcast(
  platform: "telegram" | "discord",
  targets: string[],
  publisher: Publisher,
  posted: () => { target: string; key: string }[],
  violations: () => number,
  requests?: () => number,
): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-bench-delivery-"));
  const storage = await openSqliteStorage(dir);
  const digest = parseDigest(readFileSync(SAMPLE, "utf8"), SAMPLE).digest;
  const config = parseConfig({ DATA_DIR: dir, POST_TIMEZONE: "UTC" });
  let firstSent: number | undefined;
  const engine = createDeliveryEngine({
    storage,
    archive: oneDigestArchive(digest),
    config,
    logger: pino({ level: "warn" }),
    useCron: false,
    observer: { sent: () => void (firstSent ??= performance.now()) },
    ...(UNPACED ? { pacer: createPacer({ limits: {} }) } : {}),
  });
  engine.registerPublisher(publisher);
  const now = new Date().toISOString();
  for (const t of targets) await storage.subscriptions.upsert(platform, t, undefined, now);
  const started = performance.now();
  const result = await engine.deliver({ to: "all-subscriptions", kind: "manual", requestedBy: "bench" });
  const seconds = (performance.now() - started) / 1000;
  await engine.stop();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  const planned = publisher.planDailyPost(buildDailyPost(digest)).length * targets.length;
  const seen = new Map<string, number>();
  for (const p of posted()) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const budget = platform === "telegram" ? TELEGRAM_MESSAGES_PER_SECOND : DISCORD_REQUESTS_PER_SECOND;
  return {
    scenario: `${platform} ×${targets.length}`,
    targets: targets.length,
    messages: result.messagesSent,
    seconds,
    rate: result.messagesSent / seconds,
    budget,
    violations: violations(),
    duplicates,
    lost: planned - seen.size,
    requests: requests?.() ?? result.messagesSent,
    firstSentAfter: ((firstSent ?? started) - started) / 1000,
  };
}

async function telegram(chats: number): Promise<Result> {
  const api = await startFakeBotApi({ enforceLimits: !UNPACED });
  const targets = Array.from({ length: chats }, (_, i) => String(5_000_000 + i));
  const publisher = createTelegramPublisher({ api: createTelegramDeliveryApi(TELEGRAM_TOKEN, api.apiRoot), locale: "zh", botUsername: "BenchBot", secrets: [TELEGRAM_TOKEN] });
  try {
    return await broadcast("telegram", targets, publisher as Publisher, () => api.posted.map((p) => ({ target: p.chatId, key: `${p.chatId}\u0000${p.text}` })), () => api.limitViolations);
  } finally {
    await api.close();
  }
}

async function discord(channels: number): Promise<Result> {
  const targets = Array.from({ length: channels }, (_, i) => String(710_000_000_000_000_000n + BigInt(i)));
  const fake = await startFakeDiscord({ channelIds: targets, enforceLimits: !UNPACED });
  const rest = createDiscordDeliveryRest(DISCORD_TOKEN, fake.apiBase);
  const publisher = createDiscordPublisher({ rest, locale: "zh", logger: pino({ level: "warn" }) });
  try {
    return await broadcast(
      "discord",
      targets,
      publisher as Publisher,
      () => targets.flatMap((t) => fake.channelMessages(t).map((b) => ({ target: t, key: `${t}\u0000${JSON.stringify((b as { embeds?: unknown }).embeds)}` }))),
      () => fake.limitViolations,
      () => fake.limitedRequests,
    );
  } finally {
    await fake.close();
  }
}

const scenarios: [string, () => Promise<Result>][] = [
  ["telegram 100", () => telegram(100)],
  ["telegram 300", () => telegram(300)],
  ["telegram 1000", () => telegram(1000)],
  ["discord 300", () => discord(300)],
];
/**
 * `--unpaced`: no pacer and fakes that do not refuse, to measure what this machine can push through the engine at
 * all (ledger writes with fsync, HTTP, JSON) — the ceiling the paced figures are compared with on a busy machine.
 */
const UNPACED = process.argv.includes("--unpaced");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
/** `--instances`: only the multi-instance scenarios on PostgreSQL (delivery-instances.ts); `--no-instances`: only the single-process ones. */
const INSTANCES = process.argv.includes("--instances");
const NO_INSTANCES = process.argv.includes("--no-instances") || UNPACED;
process.stdout.write(`delivery benchmark (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
const baselineAt = process.argv.indexOf("--baseline");
if (baselineAt >= 0) {
  // Paired: every scenario alternately by this checkout and the baseline's, in child processes (delivery-paired.ts).
  const dir = process.argv[baselineAt + 1];
  if (!dir || dir.startsWith("--")) throw new Error("--baseline needs a directory: a checkout of the code to compare with, built, with node_modules");
  const roundsAt = process.argv.indexOf("--rounds");
  const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 2;
  const named = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--baseline" && all[i - 1] !== "--rounds");
  const { runPaired } = await import("./delivery-paired.js");
  await runPaired(dir, named, rounds, (line) => process.stdout.write(`${line}\n`));
  process.exit(0);
}
let failed = false;
for (const [name, run] of INSTANCES ? [] : scenarios) {
  if (only.length > 0 && !only.includes(name)) continue;
  const loadBefore = loadavg()[0]!;
  const r = await run();
  // Discord's budget is requests (the channel reads count too); Telegram's is messages.
  const fraction = r.requests / r.seconds / r.budget;
  const ok = fraction >= GOAL && r.violations === 0 && r.duplicates === 0 && r.lost === 0;
  failed ||= !ok;
  const requests = r.requests === r.messages ? "" : `, ${r.requests} requests = ${(r.requests / r.seconds).toFixed(1)} req/s`;
  process.stdout.write(
    `${UNPACED ? "UNPACED" : ok ? "PASS" : "FAIL"} ${r.scenario}: ${r.messages} messages in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)} msg/s${requests} = ${fraction.toFixed(3)} of ${r.budget}/s (goal ≥ ${GOAL}); 429s ${r.violations}, duplicates ${r.duplicates}, lost ${r.lost}; first sent after ${r.firstSentAfter.toFixed(2)} s (load ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})\n`,
  );
}
const pgOnly = only.filter((o) => o.startsWith("pg "));
if (!NO_INSTANCES && (only.length === 0 || pgOnly.length > 0)) {
  const { runInstanceScenarios } = await import("./delivery-instances.js");
  const loads = new Map<string, number>();
  for (const r of await runInstanceScenarios(pgOnly, (scenario) => loads.set(scenario, loadavg()[0]!))) {
    const fraction = r.requests / r.seconds / r.budget;
    const ok = fraction >= GOAL && r.violations === 0 && r.duplicates === 0 && r.lost === 0;
    failed ||= !ok;
    const requests = r.requests === r.messages ? "" : `, ${r.requests} requests = ${(r.requests / r.seconds).toFixed(1)} req/s`;
    process.stdout.write(
      `${ok ? "PASS" : "FAIL"} ${r.scenario}: ${r.messages} messages in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)} msg/s${requests} = ${fraction.toFixed(3)} of ${r.budget}/s (goal ≥ ${GOAL}); 429s ${r.violations}, duplicates ${r.duplicates}, lost ${r.lost}; sent per instance ${r.byInstance.join(" / ")} (load ${loads.get(r.scenario)?.toFixed(1)} → ${r.loadAfter.toFixed(1)})\n`,
    );
  }
}
process.exitCode = failed ? 1 : 0;
