// Logging: JSON lines with secrets scrubbed from fields, messages and serialized errors.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrubSecrets } from "../../src/core/logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

const TOKEN = "123456789:AAH-secret-token-value-xyz";

describe("createLogger", () => {
  it("writes JSON lines at the chosen level", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "warn", destination });
    logger.info("hidden");
    logger.child({ module: "telegram" }).warn({ chat: "-100" }, "shown");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, module: "telegram", chat: "-100", msg: "shown" });
  });

  it("never prints a token: not in fields, messages or errors", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination, secrets: [TOKEN] });
    logger.info({ token: TOKEN, config: { TELEGRAM_BOT_TOKEN: TOKEN } }, "starting");
    logger.info({ request: { url: `https://api.telegram.org/bot${TOKEN}/getUpdates` } }, "polling");
    logger.warn(`GET https://api.telegram.org/bot${TOKEN}/getMe failed`);
    logger.error({ err: new Error(`request to /bot${TOKEN}/sendMessage failed`) }, "send failed");
    const out = lines.join("\n");
    expect(lines).toHaveLength(4);
    expect(out).toContain("/bot[redacted]/getUpdates");
    expect(out).not.toContain(TOKEN);
    expect(out).toContain("/bot[redacted]/getMe");
    expect(out).toContain("/bot[redacted]/sendMessage");
    expect(JSON.parse(lines[3]!).err).toMatchObject({ type: "Error", message: "request to /bot[redacted]/sendMessage failed" });
  });
});

it("keeps an error's class and scrubs its cause", () => {
  class GrammyLikeError extends Error {
    constructor(
      message: string,
      readonly method: string,
    ) {
      super(message, { cause: new Error(`fetch ${TOKEN} failed`) });
    }
  }
  const { lines, destination } = capture();
  const logger = createLogger({ destination, secrets: [TOKEN] });
  logger.error({ err: new GrammyLikeError(`call to bot${TOKEN} failed`, `sendMessage/${TOKEN}`) }, "send failed");
  const err = JSON.parse(lines[0]!).err as Record<string, unknown>;
  expect(lines[0]).not.toContain(TOKEN);
  expect(err).toMatchObject({ type: "GrammyLikeError", message: "call to bot[redacted] failed: fetch [redacted] failed", method: "sendMessage/[redacted]" });
});

describe("scrubSecrets", () => {
  it("replaces every occurrence and ignores empty secrets", () => {
    expect(scrubSecrets(`a ${TOKEN} b ${TOKEN}`, ["", TOKEN])).toBe("a [redacted] b [redacted]");
  });
});

it("logs an object with a cycle or a BigInt instead of throwing, still scrubbed", () => {
  const { lines, destination } = capture();
  const logger = createLogger({ destination, secrets: [TOKEN] });
  const response: Record<string, unknown> = { url: `https://api.telegram.org/bot${TOKEN}/sendMessage`, size: 12n };
  response.request = { response };
  const err = Object.assign(new Error("send failed"), { response });
  logger.warn({ response }, "cycle in a field");
  logger.error({ err }, "cycle in an error");
  expect(lines).toHaveLength(2);
  expect(lines.join("\n")).not.toContain(TOKEN);
  expect(JSON.parse(lines[0]!).response).toEqual({ url: "https://api.telegram.org/bot[redacted]/sendMessage", size: "12", request: { response: "[Circular]" } });
  expect(JSON.parse(lines[1]!).err).toMatchObject({ type: "Error", message: "send failed", response: { size: "12", request: { response: "[Circular]" } } });
});
