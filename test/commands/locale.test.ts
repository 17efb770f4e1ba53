// BOT_LOCALE switches every UI string; digest text stays as written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGE_KEYS, t } from "../../src/core/i18n.js";
import { startHarness, type Harness } from "./app-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ locale: "en" });
});
afterAll(() => h.close());

describe("BOT_LOCALE=en", () => {
  it("labels /links in English, digest text as written", async () => {
    expect((await h.ask("/links glm-5")).text).toBe(
      [
        "Links · GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练",
        "模型与能力 · 2026-02-18 · 20260218-glm-5-dsa-rl-agent-m7vrh",
        "",
        "1. GLM‑5 技术报告 arXiv:2602.15763: https://arxiv.org/abs/2602.15763",
        "2. GLM‑5 能力展示视频: https://www.youtube.com/watch?v=vtWMgVCMsx8",
        "3. 社区基准与讨论（含 WeirdML 数据）: https://x.com/htihle/status/2023734346943775179",
      ].join("\n"),
    );
  });

  it("answers errors, lists and help in English", async () => {
    expect((await h.ask("/story sonnet date:someday")).text).toBe(
      "I can't read the date “someday”.\nWrite dates as 2026-02-18, 02-18, 2/18, today or yesterday.",
    );
    expect((await h.ask("/sections")).text.split("\n").slice(0, 3)).toEqual([
      "Sections of the 2026-02-18 digest",
      "",
      "1. 模型与能力 (4 stories)",
    ]);
    const help = await h.ask("/help");
    expect(help.text).toContain("\n/links <query> [date]\n    List the links of the best-matching story\n");
    expect(help.text).toContain("\n/repost [date] [section] [all:…] (admin)\n");
    expect((await h.ask("/status", { isAdmin: false })).text).toBe("Only admins can use /status.\nAsk an admin of this server or group.");
  });

  it("an invocation may ask for the other locale", async () => {
    expect((await h.ask("/weather", { locale: "zh" })).text).toBe("没有 /weather 这个命令。\n发送 /help 查看所有命令。");
  });
});

describe("i18n", () => {
  it("has every string in both locales, with the same placeholders", () => {
    for (const key of MESSAGE_KEYS) {
      const zh = t("zh", key);
      const en = t("en", key);
      expect(zh, key).not.toBe("");
      expect(en, key).not.toBe("");
      const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(holes(en), key).toEqual(holes(zh));
    }
  });

  it("picks singular or plural words by the number they count, from a placeholder of the same string", () => {
    for (const key of MESSAGE_KEYS) {
      const en = t("en", key);
      const holes = new Set([...en.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      for (const m of en.matchAll(/\{(\w+)\|[^|{}]*\|[^|{}]*\}/g)) expect(holes.has(m[1]), `${key}: ${m[0]}`).toBe(true);
    }
    expect(t("en", "console.loaded", { count: 1, dates: "2026-02-18" })).toBe("Loaded 1 digest: 2026-02-18");
    expect(t("en", "console.loaded", { count: 2, dates: "2026-02-17, 2026-02-18" })).toBe("Loaded 2 digests: 2026-02-17, 2026-02-18");
    expect(t("en", "admin.reposted", { date: "2026-02-18", section: "", messages: 1, targets: 1 })).toBe(
      "Reposted the 2026-02-18 digest: 1 message to 1 target.",
    );
    expect(t("en", "admin.reposted", { date: "2026-02-18", section: "", messages: 8, targets: 2 })).toBe(
      "Reposted the 2026-02-18 digest: 8 messages to 2 targets.",
    );
  });

  it("fills placeholders", () => {
    expect(t("en", "label.page", { page: 2, pageCount: 3 })).toBe("Page 2/3");
    expect(t("zh", "label.page", { page: 2, pageCount: 3 })).toBe("第 2/3 页");
  });
});
