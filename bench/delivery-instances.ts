// `npm run bench:delivery -- --instances`: the sample digest to 1,000 Telegram chats and 300 Discord channels through 1 and 3 instances on one real PostgreSQL, against fakes that enforce the limits per token across all instances.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pino from "pino";
import { parseConfig } from "../src/core/config.js";
import type { ArchiveChange, DigestArchive } from "../src/core/digest/archive.js";
import type { Digest, StoryRef } from "../src/core/digest/model.js";
import { parseDigest } from "../src/core/digest/parse-digest.js";
import { buildDailyPost } from "../src/core/summaries.js";
import { createDeliveryEngine } from "../src/core/delivery/engine.js";
import { DISCORD_REQUESTS_PER_SECOND, TELEGRAM_MESSAGES_PER_SECOND } from "../src/core/delivery/pacing.js";
import type { Publisher } from "../src/core/delivery/publisher.js";
import { openPostgresStorage } from "../src/core/storage/open-storage.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../src/discord/discord-publisher.js";
import { createTelegramDeliveryApi, createTelegramPublisher } from "../src/telegram/telegram-publisher.js";
import { startFakeDiscord } from "../test/discord/fake-discord.js";
import { startFakeBotApi } from "../test/telegram/fake-bot-api.js";
import { startPostgres } from "../test/core/storage/postgres-server.js";
import pg from "pg";

const SAMPLE = "data/digests/2026-02-18.md";
const TELEGRAM_TOKEN = "987654:BENCH-telegram-token-abcdefghijk";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.BENCH-discord-token_abcdefgh";
/** The scheduled slot every instance ticks at (the digest's own day, so it is not too old for the slot). */
const SLOT_CLOCK = new Date("2026-02-18T09:00:30Z");

export interface InstancesResult {
  scenario: string;
  messages: number;
  seconds: number;
  rate: number;
  budget: number;
  violations: number;
  duplicates: number;
  lost: number;
  /** Requests the platform counted in its global limit (Discord: every request; Telegram: the messages). */
  requests: number;
  /** Messages each instance sent (the sender lease holder sends them all). */
  byInstance: number[];
  /** The 1-minute load average when the scenario ended. */
  loadAfter: number;
}

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

/** A fresh schema on the server for one scenario (as a fresh database would be). */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.searchParams.set("options", `-c search_path=${name}`);
  return url.toString();
}

/**
 * N instances, each an engine with its own PostgreSQL pool, its own pacer and its own platform client, tick at the
 * scheduled time together: each plans (one run per target and slot, whoever is first), the sender lease holder
 * sends, the others stand by.
 */
async function scheduledBroadcast(
  url: string,
  instances: number,
  platform: "telegram" | "discord",
  targets: string[],
  makePublisher: () => Publisher,
): Promise<{ seconds: number; byInstance: number[]; planned: number }> {
  const digest = parseDigest(readFileSync(SAMPLE, "utf8"), SAMPLE).digest;
  const config = parseConfig({ DATA_DIR: "/nonexistent-bench", POST_TIMEZONE: "UTC", POST_CRON: "0 9 * * *" });
  const setup = await openPostgresStorage(url);
  for (const t of targets) await setup.subscriptions.upsert(platform, t, undefined, "2026-02-17T00:00:00.000Z");
  await setup.close();
  const byInstance = new Array<number>(instances).fill(0);
  const engines = [];
  const stores = [];
  for (let i = 0; i < instances; i++) {
    const storage = await openPostgresStorage(url);
    stores.push(storage);
    const engine = createDeliveryEngine({
      storage,
      archive: oneDigestArchive(digest),
      config,
      logger: pino({ level: "warn" }),
      clock: () => SLOT_CLOCK,
      useCron: false,
      observer: { sent: () => void byInstance[i]!++ },
    });
    engine.registerPublisher(makePublisher());
    await engine.ready;
    engines.push(engine);
  }
  const started = performance.now();
  await Promise.all(engines.map((e) => e.tick()));
  const seconds = (performance.now() - started) / 1000;
  for (const e of engines) await e.stop();
  for (const s of stores) await s.close();
  return { seconds, byInstance, planned: makePublisher().planDailyPost(buildDailyPost(digest)).length * targets.length };
}

/** Runs the four scenarios (1 and 3 instances × Telegram 1,000 chats, Discord 300 channels) on one PostgreSQL server. */
export async function runInstanceScenarios(only: string[], starting: (scenario: string) => void = () => undefined): Promise<InstancesResult[]> {
  const server = await startPostgres();
  const results: InstancesResult[] = [];
  let n = 0;
  try {
    for (const instances of [1, 3]) {
      const tgName = `pg telegram 1000 x${instances}`;
      if (only.length === 0 || only.includes(tgName)) {
        starting(tgName);
        const api = await startFakeBotApi({ enforceLimits: true });
        const targets = Array.from({ length: 1000 }, (_, i) => String(5_000_000 + i));
        try {
          const url = await freshDatabase(server.url, `bench_${n++}`);
          const r = await scheduledBroadcast(url, instances, "telegram", targets, () =>
            createTelegramPublisher({ api: createTelegramDeliveryApi(TELEGRAM_TOKEN, api.apiRoot), locale: "zh", botUsername: "BenchBot", secrets: [TELEGRAM_TOKEN] }) as Publisher,
          );
          const keys = api.posted.map((p) => `${p.chatId}\u0000${p.text}`);
          results.push(summarise(tgName, r, keys, TELEGRAM_MESSAGES_PER_SECOND, api.limitViolations, keys.length));
        } finally {
          await api.close();
        }
      }
      const dcName = `pg discord 300 x${instances}`;
      if (only.length === 0 || only.includes(dcName)) {
        starting(dcName);
        const targets = Array.from({ length: 300 }, (_, i) => String(710_000_000_000_000_000n + BigInt(i)));
        const fake = await startFakeDiscord({ channelIds: targets, enforceLimits: true });
        try {
          const url = await freshDatabase(server.url, `bench_${n++}`);
          const r = await scheduledBroadcast(url, instances, "discord", targets, () =>
            createDiscordPublisher({ rest: createDiscordDeliveryRest(DISCORD_TOKEN, fake.apiBase), locale: "zh", logger: pino({ level: "warn" }) }) as Publisher,
          );
          const keys = targets.flatMap((t) => fake.channelMessages(t).map((b) => `${t}\u0000${JSON.stringify((b as { embeds?: unknown }).embeds)}`));
          results.push(summarise(dcName, r, keys, DISCORD_REQUESTS_PER_SECOND, fake.limitViolations, fake.limitedRequests));
        } finally {
          await fake.close();
        }
      }
    }
  } finally {
    server.stop();
  }
  return results;
}

function summarise(scenario: string, r: { seconds: number; byInstance: number[]; planned: number }, keys: string[], budget: number, violations: number, requests: number): InstancesResult {
  const distinct = new Set(keys).size;
  return {
    scenario,
    messages: keys.length,
    seconds: r.seconds,
    rate: distinct / r.seconds,
    budget,
    violations,
    requests,
    duplicates: keys.length - distinct,
    lost: r.planned - distinct,
    byInstance: r.byInstance,
    loadAfter: loadavg()[0]!,
  };
}
