// A small fake Telegram Bot API on 127.0.0.1 that enforces Telegram's send limits (429 when exceeded) and injects faults, for grammY.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";

/** What the fake does with one sendMessage. */
export type BotApiFault =
  /** Posts the message, then answers 502 (Telegram accepted it; the answer says it failed). */
  | "accept-then-502"
  /** Answers 502 without posting. */
  | "502"
  /** Posts the message, then cuts the connection without answering. */
  | "accept-then-reset"
  /** Never answers and never posts (a hung request). */
  | "hang"
  /** Posts the message and never answers. */
  | "accept-then-hang"
  /** Answers 429 with this retry_after (seconds). */
  | { retryAfter: number };

export interface FakeBotApiOptions {
  /** Enforce the limits: 30 messages/s overall, 1/s per chat, 20/min per group (ids starting with "-"); default false. */
  enforceLimits?: boolean;
  /** retry_after (s) of a 429 for exceeding a limit; default 1. */
  limitRetryAfter?: number;
  /** Called with each accepted message before it is answered; the answer waits for a promise it returns (a test freezing the bot's database). */
  beforeAnswer?: (message: PostedMessage) => void | Promise<void>;
}

export interface PostedMessage {
  chatId: string;
  text: string;
  messageId: number;
  at: number;
  /** The inline keyboard sent with it, if any. */
  replyMarkup?: unknown;
}

export interface FakeBotApi {
  /** `TELEGRAM_API_ROOT` for the bot. */
  apiRoot: string;
  /** Accepted messages, in order. */
  posted: PostedMessage[];
  /** sendMessage requests received (also refused ones), with the time each arrived. */
  sendRequests: { chatId: string; at: number; status: number }[];
  /** 429s the fake answered because a limit was exceeded (not injected ones). */
  limitViolations: number;
  /** Calls of other methods than sendMessage, getMe and getUpdates (editMessageText, answerCallbackQuery, …), in order. */
  calls: { method: string; params: Record<string, unknown> }[];

  /** The next sendMessage calls to `chatId` (or any chat: "*") meet these faults, one each, in order. */
  fail(chatId: string, ...faults: BotApiFault[]): void;
  /** Resolves when a sendMessage to `chatId` has arrived (counting earlier ones). */
  waitForSend(chatId: string, count?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `check()` holds, checked now and after each sendMessage request (so no polling). */
  waitUntil(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  messagesTo(chatId: string): PostedMessage[];
  close(): Promise<void>;
}

const BOT = { id: 987654, is_bot: true, first_name: "Digest", username: "TestNameBot", can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: true };

/**
 * Starts the fake on an ephemeral loopback port.
 *
 * @example
 * const api = await startFakeBotApi({ enforceLimits: true });
 * const bot = new Bot(TOKEN, { client: { apiRoot: api.apiRoot } });
 */
export async function startFakeBotApi(options: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const posted: PostedMessage[] = [];
  const sendRequests: FakeBotApi["sendRequests"] = [];
  const faults = new Map<string, BotApiFault[]>();
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  const waiters: { chatId: string; count: number; resolve: () => void }[] = [];
  const conditions = new Set<() => void>();
  const globalLog: number[] = [];
  const chatLog = new Map<string, number[]>();
  let nextMessageId = 1;
  const state = { limitViolations: 0 };
  const calls: FakeBotApi["calls"] = [];

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => handle(req, res, raw));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const tooMany = (res: ServerResponse, after: number) =>
    json(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${after}`, parameters: { retry_after: after } });

  /** Counts in the sliding window ending now; true when one more would exceed `count`. */
  const exceeds = (log: number[], now: number, windowMs: number, count: number) => log.filter((t) => t > now - windowMs).length >= count;

  function post(chatId: string, text: string, replyMarkup?: unknown): PostedMessage {
    const m: PostedMessage = { chatId, text, messageId: nextMessageId++, at: Date.now(), ...(replyMarkup === undefined ? {} : { replyMarkup }) };
    posted.push(m);
    return m;
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const m = /^\/bot[^/]+\/(\w+)/.exec(new URL(req.url ?? "/", origin).pathname);
    const method = m?.[1] ?? "";
    let params: Record<string, unknown> = {};
    try {
      params = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      params = {};
    }
    if (method === "getMe") return json(res, 200, { ok: true, result: BOT });
    if (method === "getUpdates") {
      // Long poll: answer empty after the asked timeout (short, so stops are quick).
      const timer = setTimeout(() => json(res, 200, { ok: true, result: [] }), Math.min(Number(params.timeout ?? 0), 1) * 1000);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (method !== "sendMessage") {
      calls.push({ method, params });
      return json(res, 200, { ok: true, result: true });
    }

    const chatId = String(params.chat_id);
    const text = String(params.text ?? "");
    const now = Date.now();
    const record = (status: number) => {
      sendRequests.push({ chatId, at: now, status });
      for (const w of [...waiters]) {
        if (w.chatId === chatId && sendRequests.filter((r) => r.chatId === chatId).length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      for (const c of [...conditions]) c();
    };
    const queue = faults.get(chatId)?.length ? faults.get(chatId)! : faults.get("*");
    const fault = queue?.shift();
    if (fault !== undefined) {
      if (typeof fault === "object") {
        record(429);
        return tooMany(res, fault.retryAfter);
      }
      if (fault === "502") {
        record(502);
        return json(res, 502, { ok: false, error_code: 502, description: "Bad Gateway" });
      }
      if (fault === "hang") {
        record(0);
        held.add(res);
        return;
      }
      post(chatId, text);
      record(fault === "accept-then-502" ? 502 : 0);
      if (fault === "accept-then-502") return json(res, 502, { ok: false, error_code: 502, description: "Bad Gateway" });
      if (fault === "accept-then-reset") return req.socket.destroy();
      held.add(res);
      return;
    }
    if (options.enforceLimits) {
      const chat = chatLog.get(chatId) ?? [];
      const group = chatId.startsWith("-") || chatId.startsWith("@");
      if (exceeds(globalLog, now, 1000, 30) || exceeds(chat, now, 1000, 1) || (group && exceeds(chat, now, 60_000, 20))) {
        state.limitViolations++;
        record(429);
        return tooMany(res, options.limitRetryAfter ?? 1);
      }
      globalLog.push(now);
      if (globalLog.length > 64) globalLog.splice(0, globalLog.length - 64);
      chat.push(now);
      if (chat.length > 25) chat.splice(0, chat.length - 25);
      chatLog.set(chatId, chat);
    }
    const msg = post(chatId, text, params.reply_markup);
    record(200);
    const answer = () =>
      json(res, 200, {
        ok: true,
        result: { message_id: msg.messageId, date: Math.floor(now / 1000), chat: { id: Number(chatId) || 0, type: "channel", title: "c" }, text },
      });
    const waited = options.beforeAnswer?.(msg);
    if (waited) return void waited.then(answer);
    return answer();
  }

  return {
    apiRoot: origin,
    posted,
    sendRequests,
    get limitViolations() {
      return state.limitViolations;
    },
    fail(chatId, ...list) {
      faults.set(chatId, [...(faults.get(chatId) ?? []), ...list]);
    },
    waitForSend(chatId, count = 1, timeoutMs = 10_000) {
      if (sendRequests.filter((r) => r.chatId === chatId).length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake Bot API: no sendMessage #${count} to ${chatId} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          chatId,
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    waitUntil(check, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const test = () => {
          if (!check()) return;
          conditions.delete(test);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          conditions.delete(test);
          reject(new Error(`fake Bot API: ${what} did not happen within ${timeoutMs} ms`));
        }, timeoutMs);
        conditions.add(test);
        test();
      });
    },
    messagesTo: (chatId) => posted.filter((p) => p.chatId === chatId),
    calls,
    async close() {
      for (const res of held) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
