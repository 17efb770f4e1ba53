// Token-like strings are masked wherever they appear in an error text.
import { describe, expect, it } from "vitest";
import { scrubTokenLike } from "../../../src/core/safety/scrub.js";

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
