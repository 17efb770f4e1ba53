// Effective delivery options (#13): environment defaults for settings targets only, a target's own options over them, other platforms' options and "none" markers dropped.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config.js";
import { applyOptionsPatch, effectiveOptions, forRepost, forSectionRepost } from "../../../src/core/delivery/effective-options.js";

const config = parseConfig({
  DELIVERY_SILENT: "true",
  DELIVERY_KEYWORDS: "agent, 安全",
  DISCORD_POST_MODE: "thread",
  DISCORD_PING_ROLE_ID: "323456789012",
  TELEGRAM_LINK_PREVIEW: "true",
});

describe("effectiveOptions", () => {
  it("gives settings targets the environment's defaults for their platform only", () => {
    expect(effectiveOptions({ platform: "discord", source: "settings" }, config)).toEqual({ silent: true, keywords: ["agent", "安全"], mode: "thread", pingRole: "323456789012" });
    expect(effectiveOptions({ platform: "telegram", source: "settings" }, config)).toEqual({ silent: true, keywords: ["agent", "安全"], linkPreview: true });
  });

  it("gives /subscribe targets only their own options", () => {
    expect(effectiveOptions({ platform: "telegram", source: "command" }, config)).toBeUndefined();
    expect(effectiveOptions({ platform: "telegram", source: "command", options: { pin: true } }, config)).toEqual({ pin: true });
    expect(effectiveOptions(undefined, config)).toBeUndefined();
  });

  it("lets a target's own option win, including an explicit none over a default, and drops another platform's options", () => {
    const own = { silent: false, keywords: [], pingRole: "", mode: "channel" as const, linkPreview: true };
    expect(effectiveOptions({ platform: "discord", source: "settings", options: own }, config)).toBeUndefined();
    expect(effectiveOptions({ platform: "telegram", source: "settings", options: { ...own, linkPreview: false } }, config)).toBeUndefined();
  });
});

describe("applyOptionsPatch / forSectionRepost", () => {
  it("sets what is given, removes what is null, keeps the rest; nothing left is undefined", () => {
    expect(applyOptionsPatch({ silent: true, pin: true }, { pin: null, keywords: ["a"] })).toEqual({ silent: true, keywords: ["a"] });
    expect(applyOptionsPatch({ silent: true }, { silent: null })).toBeUndefined();
    expect(applyOptionsPatch(undefined, {})).toBeUndefined();
    expect(forSectionRepost({ keywords: ["a"], pin: true, silent: true })).toEqual({ silent: true });
    expect(forSectionRepost({ keywords: ["a"], pin: true })).toBeUndefined();
    expect(forSectionRepost({ silent: true })).toEqual({ silent: true });
    expect(forRepost({ pin: true, silent: true }, true)).toEqual({ pin: true, silent: true });
    expect(forRepost({ pin: true, silent: true }, false)).toEqual({ silent: true });
    expect(forRepost({ pin: true }, false)).toBeUndefined();
  });
});
