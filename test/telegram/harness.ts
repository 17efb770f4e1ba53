// A loopback Telegram Bot API for tests: telegram-test-api wrapped in our own HTTP server that records every call,
// serves the methods the emulator lacks, long-polls properly, injects failures, and rejects invalid HTML like Telegram.
import http from "node:http";
import type { AddressInfo } from "node:net";
import TelegramServerModule from "telegram-test-api";
import type { TelegramServer } from "telegram-test-api/lib/telegramServer.js";
import { createChatBook, type TopicState } from "./harness-chats.js";
import { createMessageBook, type LiveMessage } from "./harness-messages.js";
import { checkTelegramHtml } from "./html-check.js";

// The package's types declare an ES default export, but at runtime the CommonJS module itself is the class.
const TelegramServerClass = TelegramServerModule as unknown as typeof TelegramServer;

type TelegramClient = ReturnType<TelegramServer["getClient"]>;
type ClientOptions = NonNullable<Parameters<TelegramServer["getClient"]>[1]>;

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** HTTP status the harness answered with. */
  status: number;
  /** The JSON body the harness answered with. */
  response: unknown;
}

export interface InjectedFailure {
  error_code: number;
  description: string;
  retry_after?: number;
  /** A basic group upgraded to a supergroup: Telegram names the new chat id in `parameters.migrate_to_chat_id`. */
  migrate_to_chat_id?: number;
}

export interface HtmlViolation {
  method: string;
  text: string;
  problems: string[];
}

export interface TelegramHarness {
  /** Give this to grammY as `client.apiRoot`. */
  readonly apiRoot: string;
  /** The emulator's bot username (its getMe answer). */
  readonly botUsername: string;
  readonly emulator: TelegramServer;
  /** A fake user/chat that sends updates (`client.makeCommand("/story x")` + `client.sendCommand(msg)`). */
  client(token: string, options?: Partial<ClientOptions>): TelegramClient;
  /** Every Bot API call so far (optionally of one method), in order. */
  calls(method?: string): RecordedCall[];
  /** Resolves with the first call (already made or future) matching; rejects after `timeoutMs`. */
  waitForCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Waits until `count` calls of a method match. */
  waitForCalls(method: string, count: number, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall[]>;
  /** The next call of `method` fails with this Telegram error (e.g. 429 with `retry_after`). */
  failNext(method: string, failure: InjectedFailure): void;
  /**
   * Holds the next call of `method` (whose params match `predicate`, if given) until `release()`: `arrived` resolves
   * when the bot has made the call, so a test can act (e.g. stop the bot) while that call is in flight.
   */
  holdNext(method: string, predicate?: (params: Record<string, unknown>) => boolean): { arrived: Promise<void>; release(): void };
  /**
   * Upgrades basic group `chatId` to supergroup `to`, as Telegram answers after it: every call naming the old chat
   * gets 400 "Bad Request: group chat was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id`.
   * The service message in the old group is the test's to push (`pushUpdate`), when it wants the bot to see it.
   */
  upgradeGroup(chatId: number, to: number): void;
  /** Members of `chatId` that getChatMember reports as administrators (status "administrator"). */
  setChatAdmins(chatId: number | string, userIds: number[]): void;
  /** Queues a raw update (inline queries, channel posts) for the bot's next getUpdates. */
  pushUpdate(token: string, update: Record<string, unknown>): void;
  /**
   * What a chat shows now: the bot's messages (sendMessage) not deleted, with their latest text and keyboard after
   * editMessageText, in order. The harness serves editMessageText and deleteMessage itself, answering like Telegram.
   */
  liveMessages(chatId: number | string): LiveMessage[];
  /** Deletes a bot message as a chat admin would: a later edit answers "message to edit not found". */
  deleteAsAdmin(chatId: number | string, messageId: number): void;
  /** Makes `chatId` a forum with these topics; sends to a closed topic answer TOPIC_CLOSED, deleted or unknown ones "message thread not found". */
  setForum(chatId: number | string, topics: Record<number, TopicState>): void;
  /** Opens, closes or deletes one topic of a forum. */
  setTopic(chatId: number | string, threadId: number, state: TopicState): void;
  /** Takes the "Pin messages" right from the bot in `chatId` (or gives it back). */
  setPinRight(chatId: number | string, allowed: boolean): void;
  /** The chat's pinned messages, oldest pin first. */
  pinned(chatId: number | string): number[];
  /** Every `parse_mode: "HTML"` text Telegram would have rejected; tests expect none. */
  readonly htmlViolations: HtmlViolation[];
  close(): Promise<void>;
}

const BOT_USERNAME = "TestNameBot";

/**
 * Starts the harness on 127.0.0.1 with a free port.
 *
 * @example
 * const tg = await startTelegramHarness();
 * const bot = new Bot(token, { client: { apiRoot: tg.apiRoot } });
 * const user = tg.client(token);
 * await user.sendCommand(user.makeCommand("/help"));
 * const reply = await tg.waitForCall("sendMessage");
 */
export async function startTelegramHarness(): Promise<TelegramHarness> {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, InjectedFailure[]>();
  const holds = new Map<string, { arrive: () => void; released: Promise<void>; predicate?: (params: Record<string, unknown>) => boolean }[]>();
  const upgraded = new Map<string, number>();
  const injected = new Map<string, Record<string, unknown>[]>();
  const htmlViolations: HtmlViolation[] = [];
  const book = createMessageBook();
  const chats = createChatBook(book);
  const waiters = new Set<() => void>();
  const pendingPolls = new Set<http.ServerResponse>();
  let nextUpdateId = 1;
  let closed = false;
  // Filled once the port is known: the emulator's client posts back to this same server.
  let emulator!: TelegramServer;
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? "");
      if (!match) {
        // Client-side emulator routes (sendCommand, sendCallback, …): hand over to the emulator with the parsed body.
        passToEmulator(req, res, body);
        return;
      }
      const token = decodeURIComponent(match[1]!);
      const method = match[2]!;
      const params = body;
      const reply = (status: number, response: unknown) => {
        calls.push({ method, params, status, response });
        notify();
        if (!res.writableEnded) {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(response));
        }
      };

      const waiting = holds.get(method) ?? [];
      const at = waiting.findIndex((h) => !h.predicate || h.predicate(params));
      const hold = at < 0 ? undefined : waiting.splice(at, 1)[0];
      if (hold) {
        hold.arrive();
        await hold.released;
      }

      const failure = failures.get(method)?.shift();
      if (failure) {
        const response: Record<string, unknown> = { ok: false, error_code: failure.error_code, description: failure.description };
        if (failure.retry_after !== undefined) response.parameters = { retry_after: failure.retry_after };
        if (failure.migrate_to_chat_id !== undefined) response.parameters = { migrate_to_chat_id: failure.migrate_to_chat_id };
        reply(failure.error_code, response);
        return;
      }

      const to = params.chat_id === undefined ? undefined : upgraded.get(String(params.chat_id));
      if (to !== undefined) {
        reply(400, { ok: false, error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: to } });
        return;
      }

      const htmlProblems = validateHtml(method, params);
      if (htmlProblems) {
        htmlViolations.push(htmlProblems);
        const tooLong = htmlProblems.problems.some((p) => p.includes("the limit is"));
        reply(400, {
          ok: false,
          error_code: 400,
          description: tooLong ? "Bad Request: message is too long" : `Bad Request: can't parse entities: ${htmlProblems.problems[0]}`,
        });
        return;
      }

      if (method === "getUpdates") {
        const timeoutSec = Math.min(Number(params.timeout ?? 0), 30);
        const take = () => {
          const fromEmulator = emulator.getUpdates(token) as Record<string, unknown>[];
          const extra = injected.get(token) ?? [];
          injected.set(token, []);
          return [...fromEmulator, ...extra].map((u) => ({ ...u, update_id: nextUpdateId++ }));
        };
        let updates = take();
        if (updates.length === 0 && timeoutSec > 0 && !closed) {
          // Real long polling: hold the request until an update arrives or the timeout passes.
          pendingPolls.add(res);
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              waiters.delete(check);
              req.off("close", done);
              resolve();
            };
            const check = () => {
              if (closed || emulator.storage.userMessages.some((u: { botToken: string; isRead: boolean }) => u.botToken === token && !u.isRead) || (injected.get(token)?.length ?? 0) > 0) done();
            };
            const timer = setTimeout(done, timeoutSec * 1000);
            waiters.add(check);
            res.on("close", done);
            check();
          });
          pendingPolls.delete(res);
          updates = closed ? [] : take();
        }
        // Update ids are numbered here so the emulator's and injected updates form one increasing sequence.
        calls.push({ method, params, status: 200, response: { ok: true, result: updates } });
        if (!res.writableEnded && !res.destroyed) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: true, result: updates }));
        }
        // Only calls that delivered updates wake waiters (an empty poll waking a waiting poll would spin).
        if (updates.length > 0) notify();
        return;
      }

      if (method === "getMe") {
        reply(200, {
          ok: true,
          result: { id: 666, is_bot: true, first_name: "Test Bot", username: BOT_USERNAME, supports_inline_queries: true },
        });
        return;
      }

      if (method === "editMessageText" || method === "deleteMessage") {
        const answer = book.serve(method, params);
        reply(answer.status, answer.response);
        return;
      }

      const answer = chats.serve(method, params) ?? (method === "sendMessage" ? chats.refuseSend(params) : undefined);
      if (answer) {
        reply(answer.status, answer.response);
        return;
      }

      // Everything else goes to the emulator (sendMessage, editMessageText, …); record what it answers.
      const chunks: Buffer[] = [];
      const origWrite = res.write.bind(res);
      const origEnd = res.end.bind(res);
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (chunk) chunks.push(Buffer.from(chunk as string));
        return (origWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (chunk && typeof chunk !== "function") chunks.push(Buffer.from(chunk as string));
        const text = Buffer.concat(chunks).toString("utf8");
        let response: unknown = text;
        try {
          response = JSON.parse(text);
        } catch {
          // not JSON; keep the raw text
        }
        calls.push({ method, params, status: res.statusCode, response });
        if (method === "sendMessage" && res.statusCode === 200) book.recordSent(params, response);
        notify();
        return (origEnd as (...a: unknown[]) => http.ServerResponse)(chunk, ...rest);
      }) as typeof res.end;
      passToEmulator(req, res, body);
    })().catch((err: unknown) => {
      if (!res.writableEnded) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
      }
    });
  });

  function passToEmulator(req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>) {
    // body-parser skips requests already marked as parsed, so the emulator's routes see our copy of the body.
    Object.assign(req, { body, _body: true });
    const app = (emulator as unknown as { webServer: (req: http.IncomingMessage, res: http.ServerResponse) => void }).webServer;
    app(req, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // Not started: we serve its Express app ourselves; its config only tells its client where to post.
  emulator = new TelegramServerClass({ port, host: "127.0.0.1", storeTimeout: 600 });
  const apiRoot = `http://127.0.0.1:${port}`;
  for (const ev of ["AddedUserMessage", "AddedUserCommand", "AddedUserCallbackQuery"]) emulator.on(ev, notify);

  const find = (method: string, predicate?: (c: RecordedCall) => boolean) =>
    calls.filter((c) => c.method === method && (!predicate || predicate(c)));

  const waitForCalls = (method: string, count: number, predicate?: (c: RecordedCall) => boolean, timeoutMs = 8000) =>
    new Promise<RecordedCall[]>((resolve, reject) => {
      const check = () => {
        const found = find(method, predicate);
        if (found.length >= count) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found.slice(0, count));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const seen = calls.map((c) => c.method).join(", ");
        reject(new Error(`harness: waited ${timeoutMs} ms for ${count} × ${method}; calls so far: ${seen || "none"}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    apiRoot,
    botUsername: BOT_USERNAME,
    emulator,
    client: (token, options) => emulator.getClient(token, { timeout: 5000, ...options }),
    calls: (method) => (method ? calls.filter((c) => c.method === method) : [...calls]),
    waitForCall: async (method, predicate, timeoutMs) => (await waitForCalls(method, 1, predicate, timeoutMs))[0]!,
    waitForCalls,
    failNext: (method, failure) => {
      const list = failures.get(method) ?? [];
      list.push(failure);
      failures.set(method, list);
    },
    holdNext: (method, predicate) => {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const list = holds.get(method) ?? [];
      list.push(predicate ? { arrive, released, predicate } : { arrive, released });
      holds.set(method, list);
      return { arrived, release };
    },
    setChatAdmins: (chatId, userIds) => void chats.setAdmins(chatId, userIds),
    upgradeGroup: (chatId, to) => void upgraded.set(String(chatId), to),
    pushUpdate: (token, update) => {
      const list = injected.get(token) ?? [];
      list.push(update);
      injected.set(token, list);
      notify();
    },
    liveMessages: (chatId) => book.liveMessages(chatId),
    deleteAsAdmin: (chatId, messageId) => book.deleteAsAdmin(chatId, messageId),
    setForum: (chatId, topics) => void chats.setForum(chatId, topics),
    setTopic: (chatId, threadId, state) => chats.setTopic(chatId, threadId, state),
    setPinRight: (chatId, allowed) => void chats.setPinRight(chatId, allowed),
    pinned: (chatId) => chats.pinned(chatId),
    htmlViolations,
    close: async () => {
      closed = true;
      notify();
      for (const res of pendingPolls) if (!res.writableEnded) res.end(JSON.stringify({ ok: true, result: [] }));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Checks every HTML text a method carries, like Telegram would before sending. */
function validateHtml(method: string, params: Record<string, unknown>): HtmlViolation | undefined {
  const texts: string[] = [];
  if ((method === "sendMessage" || method === "editMessageText") && params.parse_mode === "HTML") texts.push(String(params.text ?? ""));
  if (method === "answerInlineQuery") {
    const results = parseMaybeJson(params.results);
    if (Array.isArray(results)) {
      for (const r of results as { input_message_content?: { message_text?: string; parse_mode?: string } }[]) {
        const content = r.input_message_content;
        if (content?.parse_mode === "HTML") texts.push(String(content.message_text ?? ""));
      }
    }
  }
  for (const text of texts) {
    const { problems } = checkTelegramHtml(text);
    if (problems.length) return { method, text, problems };
  }
  return undefined;
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    return Object.fromEntries(query.entries());
  }
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw).entries());
  return { raw };
}
