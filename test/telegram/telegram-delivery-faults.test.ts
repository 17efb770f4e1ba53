// Delivery faults through the real grammY bot and its plugins against a fake Bot API: 5xx after accepting, hangs, 429 storms, limits.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { GrammyError } from "grammy";
import { startTelegram, type TelegramAdapter } from "../../src/telegram/telegram-adapter.js";
import { toPublishError } from "../../src/telegram/telegram-publisher.js";
import { longDigest } from "../core/delivery/long-digest.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { guardMs, settled } from "../load-slack.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { startFakeBotApi, type FakeBotApi } from "./fake-bot-api.js";

const TOKEN = "987654:SECRET-telegram-token-for-faults-xyz";
const FIXTURE = "test/fixtures/digests";

interface Running {
  api: FakeBotApi;
  app: App;
  telegram: TelegramAdapter;
  logs: Record<string, unknown>[];
  dir: string;
  drop(): Promise<void>;
}

let running: Running | undefined;
/** Where the state of the tests in hand lives (set by each backend's describe block). */
let backend: StorageDialect = "sqlite";

/** The real app and bot on a copy of the fixtures, subscribed to `chats`, the clock just after the 09:00 slot. */
async function start(chats: string[], apiOptions: Parameters<typeof startFakeBotApi>[0] = {}, long = false): Promise<Running> {
  const api = await startFakeBotApi(apiOptions);
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-tg-faults-"));
  cpSync(FIXTURE, join(dir, "digests"), { recursive: true });
  if (long) writeFileSync(join(dir, "digests", "2026-02-21.md"), longDigest("2026-02-21"));
  const state = await backendEnv(backend);
  const config = parseConfig({
    ...state.env,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_CHAT_IDS: chats.join(","),
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    BOT_LOCALE: "en",
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const clock = { now: new Date("2026-02-21T00:30:00Z") };
  const app = await createApp({ config, logger, watch: false, clock: () => clock.now });
  await app.ready;
  const telegram = await startTelegram({ config, logger, app, pollTimeoutSeconds: 1 });
  clock.now = new Date("2026-02-21T01:00:30Z"); // 09:00:30 in Shanghai
  running = { api, app, telegram, logs, dir, drop: state.drop };
  return running;
}

async function stop(r: Running | undefined) {
  if (!r) return;
  await r.app.delivery.stop();
  await r.telegram.stop();
  await r.app.close();
  await r.api.close();
  await r.drop();
  rmSync(r.dir, { recursive: true, force: true });
}

const messages = (r: Running) => r.logs.map((l) => String(l.msg));

afterEach(async () => {
  await stop(running);
  running = undefined;
});

describe.each(testBackends())("telegram delivery faults (real grammY client and plugins, fake Bot API), state on %s", (b) => {
  beforeAll(() => {
    backend = b;
  });

  it("re-sends once after a 502 that followed acceptance, logs it at warn as a possible duplicate and counts it (no silent repeat inside the client)", async () => {
    const r = await start(["-1001"]);
    r.api.fail("-1001", "accept-then-502");
    await r.app.delivery.tick();
    const status = (await r.app.delivery.status()).targets[0]!;
    // Exactly one request per attempt: the client did not retry the 502 on its own.
    const requests = r.api.sendRequests.filter((q) => q.chatId === "-1001").map((q) => q.status);
    expect(requests[0]).toBe(502);
    expect(requests.slice(1).every((s) => s === 200)).toBe(true);
    // Every extra copy the chat shows is one the bot knows about.
    expect(r.api.messagesTo("-1001").length - (requests.length - 1)).toBe(1);
    expect(status.possibleDuplicates).toBe(1);
    expect(status.lastDelivery?.status).toBe("sent");
    const warn = r.logs.find((l) => l.possibleDuplicate === true);
    expect(warn?.level).toBe(40);
    expect(String(warn?.msg)).toBe("re-sending a message after an ambiguous failure (the platform may have posted it); it may show twice (counted as a possible duplicate)");
  });

  it("does not let a hung sendMessage to one chat hold the others, and stops without waiting for it while it hangs", async () => {
    const r = await start(["-1001", "-1002", "-1003"]);
    r.api.fail("-1001", "hang");
    const tick = r.app.delivery.tick();
    await r.api.waitForSend("-1001");
    // The other chats get their whole post while the first request still hangs.
    const sentTo = async () =>
      (await r.app.delivery.status()).targets.filter((t) => t.lastDelivery?.status === "sent").map((t) => t.targetId);
    for (let i = 0; i < 400 && (await sentTo()).length < 2; i++) await new Promise((done) => setTimeout(done, 20));
    expect(await sentTo()).toEqual(["-1002", "-1003"]);
    expect(r.api.messagesTo("-1001")).toEqual([]);
    // The hung request never answers: the stop ends only by leaving it in flight.
    await settled("the stop while sendMessage hangs", Promise.all([r.app.delivery.stop(), tick]));
    expect(messages(r)).toContain("stopped while a message was being sent; left in flight for the next start to reconcile");
  });

  it("stops inside a 10-minute 429 wait (the longest waited as told) instead of waiting it out, leaving the part pending", async () => {
    const r = await start(["-1001"]);
    r.api.fail("-1001", { retryAfter: 600 });
    const tick = r.app.delivery.tick();
    await r.api.waitForSend("-1001");
    await until(() => messages(r).includes("rate limited; waiting as told"), guardMs(3000));
    await settled("the stop during the 429 wait", Promise.all([r.app.delivery.stop(), tick]));
    expect(r.api.messagesTo("-1001")).toEqual([]);
    expect((await r.app.delivery.status()).targets[0]?.lastDelivery?.status).toBe("pending");
  });

  it("broadcasts to many chats in parallel within Telegram's limits: no 429, 1 s between a chat's messages", async () => {
    const chats = Array.from({ length: 16 }, (_, i) => String(1000 + i));
    const r = await start(chats, { enforceLimits: true }, true);
    await r.app.delivery.tick();
    expect(r.api.limitViolations).toBe(0);
    expect(r.api.sendRequests.every((q) => q.status === 200)).toBe(true);
    const perChat = chats.map((c) => r.api.messagesTo(c));
    const parts = perChat[0]!.length;
    expect(parts).toBeGreaterThan(1);
    for (const list of perChat) {
      expect(list).toHaveLength(parts);
      for (let i = 1; i < list.length; i++) expect(list[i]!.at - list[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    }
    // In parallel: the last chat's first message went out before the first chat's last one.
    expect(perChat.at(-1)![0]!.at).toBeLessThan(perChat[0]!.at(-1)!.at);
  });
});

describe("telegram error wording", () => {
  it("says to check the chat id for 400 chat not found, and to add the bot back when it was kicked", () => {
    const notFound = new GrammyError("e", { ok: false, error_code: 400, description: "Bad Request: chat not found" }, "sendMessage", {});
    expect(toPublishError(notFound, { method: "sendMessage", chatId: "-1009" }, []).message).toBe(
      "telegram sendMessage to -1009: Bad Request: chat not found (400); check the chat id (a channel's id starts with -100, or use @name), then /subscribe again",
    );
    const kicked = new GrammyError("e", { ok: false, error_code: 403, description: "Forbidden: bot was kicked from the channel chat" }, "sendMessage", {});
    expect(toPublishError(kicked, { method: "sendMessage", chatId: "-1009" }, []).message).toContain("add the bot back with the right to post");
  });
});

async function until(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
