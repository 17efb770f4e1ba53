// Several `digest-bot start` processes on one PostgreSQL database, against the loopback fakes: the multi-instance fault tests' harness.
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStorage } from "../../src/core/storage/open-storage.js";
import type { Storage } from "../../src/core/storage/types.js";
import { cleanups, closedPort, startBot, type Running } from "./launch.js";

export const TELEGRAM_TOKEN = "987654:SECRET-cluster-telegram-token-abcdefgh";
export const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE5.SECRET-cluster-discord-token";
export const WEBHOOK_SECRET = "cluster-webhook-secret-0123456789";
export const WEBHOOK_PATH = "/hooks/telegram";
const keys = generateKeyPairSync("ed25519");
/** The application's PUBLIC KEY as the Developer Portal shows it. */
export const PUBLIC_KEY_HEX = keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");

export interface ClusterOptions {
  databaseUrl: string;
  /** The fake Discord's `apiBase`, or a proxy's in front of it. */
  discordApiBase: string;
  /** The fake Bot API's `apiRoot`, or a proxy's in front of it. */
  telegramApiRoot: string;
  channels: string[];
  chats: string[];
}

export interface Instance {
  name: string;
  port: number;
  run: Running;
  pid: number;
}

/** A folder the instances share for digests (each has its own DATA_DIR for caches). */
export function sharedDigestDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-cluster-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "digests"));
  return join(dir, "digests");
}

/**
 * Starts one instance: Discord over HTTP interactions, Telegram by webhook, state in the shared database; resolves
 * once it logs that it runs (after its start-up catch-up).
 *
 * @example
 * const a = await startInstance("a", options, digestDir);
 */
export async function startInstance(name: string, options: ClusterOptions, digestDir: string, extra: Record<string, string> = {}): Promise<Instance> {
  const port = await closedPort();
  const run = startBot({
    DATABASE_URL: options.databaseUrl,
    DIGEST_DIR: digestDir,
    DISCORD_TOKEN,
    DISCORD_API_BASE: options.discordApiBase,
    DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX,
    DISCORD_CHANNEL_IDS: options.channels.join(","),
    TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
    TELEGRAM_API_ROOT: options.telegramApiRoot,
    TELEGRAM_CHAT_IDS: options.chats.join(","),
    TELEGRAM_WEBHOOK_URL: `https://bot.example.com${WEBHOOK_PATH}`,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    HTTP_PORT: String(port),
    POST_CRON: "0 0 * * *",
    POST_TIMEZONE: "UTC",
    DELIVERY_DEADLINE_HOURS: "48",
    BOT_LOCALE: "en",
    LOG_LEVEL: "info",
    ...extra,
  });
  await run.waitFor('"msg":"digest-bot running"', 90_000);
  return { name, port, run, pid: run.child.pid! };
}

/** The settings targets, subscribed two days ago: today's post is due at once (the start-up catch-up or a new digest). */
export async function subscribeEarlier(databaseUrl: string, channels: string[], chats: string[]): Promise<void> {
  const storage = await openPostgresStorage(databaseUrl);
  try {
    const then = new Date(Date.now() - 2 * 86_400_000).toISOString();
    for (const id of channels) await storage.subscriptions.ensureSettingsTarget("discord", id, then);
    for (const id of chats) await storage.subscriptions.ensureSettingsTarget("telegram", id, then);
  } finally {
    await storage.close();
  }
}

/** Opens the shared database (closed by the test's cleanups). */
export async function openShared(databaseUrl: string): Promise<Storage> {
  const storage = await openPostgresStorage(databaseUrl);
  cleanups.push(() => storage.close());
  return storage;
}

/** A signed POST of an interaction payload, as Discord sends it. */
export async function postInteraction(baseUrl: string, payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), keys.privateKey).toString("hex");
  const res = await fetch(`${baseUrl}/discord/interactions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-signature-timestamp": timestamp, "x-signature-ed25519": signature },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** POSTs a Telegram update to a webhook, with the secret. */
export async function postUpdate(baseUrl: string, update: unknown): Promise<number> {
  const res = await fetch(`${baseUrl}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
    body: JSON.stringify(update),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A private-chat command as Telegram posts it. */
export function textUpdate(updateId: number, chatId: number, text: string) {
  const command = /^\/\S+/.exec(text)?.[0];
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: "U" },
      from: { id: chatId, is_bot: false, first_name: "U" },
      text,
      ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] } : {}),
    },
  };
}

/** A click on an inline button of message `messageId` in a private chat. */
export function callbackUpdate(updateId: number, chatId: number, messageId: number, data: string) {
  return {
    update_id: updateId,
    callback_query: {
      id: `cb${updateId}`,
      from: { id: chatId, is_bot: false, first_name: "U" },
      chat_instance: "ci",
      data,
      message: { message_id: messageId, date: 0, chat: { id: chatId, type: "private", first_name: "U" }, text: "x" },
    },
  };
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
