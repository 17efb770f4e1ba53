// Token-like strings are masked wherever they appear in an error text.
import { describe, expect, it } from "vitest";
import { maskTokens, scrubTokenLike } from "../../../src/core/safety/scrub.js";
import { maskTokens as configMaskTokens } from "../../../src/core/config.js";
import { scrubSecrets } from "../../../src/core/logger.js";

describe("scrubTokenLike", () => {
  it.each([
    ["Authorization: Bot MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz", "Authorization: [redacted]"],
    ['{"authorization":"Bearer abc.def.ghi-0123456789abcdef"}', '{"authorization":"[redacted]"}'],
    ["GET https://api.telegram.org/bot987654:SECRET-telegram-token-for-tests-xyz/getMe failed", "GET https://api.telegram.org/bot[redacted]/getMe failed"],
    ["token MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz leaked", "token [redacted] leaked"],
    // A proxy or error page echoing the request path URL-encoded.
    ["502 for /bot987654%3ASECRET-telegram-token-for-tests-xyz/sendMessage", "502 for /bot[redacted]/sendMessage"],
    ["token=987654%3asecret-telegram-token-for-tests-xyz0", "token=[redacted]"],
  ])("%s", (text, expected) => {
    expect(scrubTokenLike(text)).toBe(expected);
  });

  it("leaves ordinary error texts alone", () => {
    const text = "discord:700000000000000001: Discord 403 (code 50013) Missing Permissions; story 20260218-1-3 at 09:00";
    expect(scrubTokenLike(text)).toBe(text);
  });

  it("masks given secrets too", () => {
    expect(scrubTokenLike("a short-but-secret value", ["short-but-secret"])).toBe("a [redacted] value");
  });
});

describe("maskTokens (a settings value echoed in an error)", () => {
  const hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  it.each([
    ["7654321:AAHk3-secret-secret-secret", "[hidden]"],
    ["GET /bot987654:SECRET-telegram-token-for-tests-xyz/getMe", "GET /bot[hidden]/getMe"],
    ["MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRETsecretSECRETsecret-123", "[hidden]"],
    ["Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345", "Authorization: [hidden]"],
    [`key ${hash}`, "key [hidden]"],
  ])("%s", (text, expected) => {
    expect(maskTokens(text)).toBe(expected);
  });

  it("is one implementation: config's maskTokens and the logger's scrubSecrets are the scrub module's", () => {
    expect(configMaskTokens).toBe(maskTokens);
    expect(scrubSecrets).toBe(scrubTokenLike);
  });

  it("logs keep hashes and ids of that length readable; only setting echoes hide any long key-like run", () => {
    expect(scrubTokenLike(`payload ${hash}`)).toBe(`payload ${hash}`);
    expect(maskTokens("Mars/Base, 123, abc")).toBe("Mars/Base, 123, abc");
  });
});
