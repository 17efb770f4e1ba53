// Plain-text rendering of the replies the console path does not reach with the sample: status details, filters, notices.
import { describe, expect, it } from "vitest";
import { renderDailyPostText, renderReplyText } from "../../src/core/render-text.js";

describe("renderReplyText", () => {
  it("shows disabled targets with their reason and the last delivery in the target's zone", () => {
    const text = renderReplyText(
      {
        type: "status",
        digests: { count: 3, latest: "2026-02-18" },
        targets: [
          {
            platform: "telegram",
            targetId: "-100123",
            enabled: false,
            disabledReason: "chat not found",
            sections: ["Agent 与工具链"],
            cron: "0 8 * * *",
            timezone: "Europe/Berlin",
            lastDelivery: { date: "2026-02-18", status: "failed", at: "2026-02-18T07:00:05.000Z", error: "403 Forbidden" },
          },
        ],
      },
      "en",
    );
    expect(text).toBe(
      [
        "Delivery status",
        "",
        "Digests loaded: 3 (latest 2026-02-18)",
        "",
        "Delivery targets:",
        "• telegram:-100123 — disabled (reason: chat not found) — Agent 与工具链",
        "  Schedule: 0 8 * * * (Europe/Berlin)",
        "  Last delivery: 2026-02-18 failed (2026-02-18 08:00) — 403 Forbidden",
      ].join("\n"),
    );
  });

  it("words the last delivery's result in the UI language, and a skip without a digest without a date", () => {
    const status = (lastDelivery: { date: string; status: string; at: string; error?: string }) =>
      renderReplyText(
        {
          type: "status",
          digests: { count: 1, latest: "2026-02-18" },
          targets: [{ platform: "telegram", targetId: "-100", enabled: true, cron: "0 9 * * *", timezone: "Asia/Shanghai", lastDelivery }],
        },
        "zh",
      ).split("\n").at(-1);
    expect(status({ date: "2026-02-18", status: "sent", at: "2026-02-18T01:00:05.000Z" })).toBe("  最近投递：2026-02-18 已发送（2026-02-18 09:00）");
    expect(status({ date: "2026-02-18", status: "pending", at: "2026-02-18T01:00:05.000Z", error: "500 Internal Server Error" })).toBe(
      "  最近投递：2026-02-18 未发完，会自动重试（2026-02-18 09:00） — 500 Internal Server Error",
    );
    expect(status({ date: "", status: "skipped", at: "2026-02-19T01:00:00.000Z", error: "no new digest within 12 h of the scheduled time" })).toBe(
      "  最近投递：已跳过（2026-02-19 09:00） — no new digest within 12 h of the scheduled time",
    );
  });

  it("quotes a section filter with spaces in the next-page command", () => {
    const text = renderReplyText(
      {
        type: "results",
        query: "agent",
        filters: { section: "Agent 与工具链" },
        hits: [{ id: "20260218-2-1", date: "2026-02-18", section: "Agent 与工具链", title: "OpenClaw" }],
        page: 1,
        pageCount: 2,
        total: 11,
      },
      "en",
    );
    expect(text.split("\n").slice(-2)).toEqual(["Page 1/2", 'Send /search agent section:"Agent 与工具链" page:2 for the next page']);
  });

  it("renders notices and errors as their text", () => {
    expect(renderReplyText({ type: "notice", tone: "warning", text: "careful" }, "zh")).toBe("careful");
    expect(renderReplyText({ type: "error", code: "internal", message: "oops" }, "zh")).toBe("oops");
  });

  it("renders a daily post as a header and one message per section", () => {
    const parts = renderDailyPostText(
      {
        date: "2026-02-18",
        header: [{ title: "模型与能力", storyCount: 1 }, { title: "安全", storyCount: 1 }],
        sections: [{ index: 1, title: "安全", stories: [{ id: "20260218-2-1", title: "T", summary: "S。", link: { label: "L", url: "https://x.test/" } }] }],
      },
      "en",
    );
    expect(parts).toEqual([
      "AI digest · 2026-02-18\n\n1. 模型与能力 (1 story)\n2. 安全 (1 story)",
      "安全 · 2026-02-18\n\n• T\n  S。\n  L: https://x.test/\n  Send /story 20260218-2-1 for the full story",
    ]);
  });
});
