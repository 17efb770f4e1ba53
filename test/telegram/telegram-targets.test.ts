// Forum topic target ids (config, deliver, adapter scope) and the options Telegram bakes into a daily post's payloads.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/core/config.js";
import type { DailyPost } from "../../src/core/summaries.js";
import { PLATFORM_LIMITS } from "../../src/core/delivery/pacing.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { chatScope, sameChatTarget, targetOfMessage, toTargetId, toTelegramPlace, topicOf } from "../../src/telegram/telegram-targets.js";
import { checkTelegramHtml } from "./html-check.js";

const chat = { id: -1001234567890, type: "supergroup" as const, title: "Forum", is_forum: true as const };

describe("Telegram target ids", () => {
  it("reads a chat, a channel name and a forum topic", () => {
    expect(toTelegramPlace("-1001234567890:45")).toEqual({ chatId: -1001234567890, threadId: 45 });
    expect(toTelegramPlace("-1001234567890")).toEqual({ chatId: -1001234567890 });
    expect(toTelegramPlace("@ai_digest")).toEqual({ chatId: "@ai_digest" });
    expect(toTelegramPlace("@ai_forum:7")).toEqual({ chatId: "@ai_forum", threadId: 7 });
    expect(toTargetId(-1001234567890, 45)).toBe("-1001234567890:45");
    expect(toTargetId(-1001234567890)).toBe("-1001234567890");
  });

  it("a command in a topic targets the topic; in the General topic or a reply there, the chat", () => {
    expect(targetOfMessage({ chat, is_topic_message: true, message_thread_id: 45 })).toBe("-1001234567890:45");
    // A reply in General carries the replied message's id as message_thread_id, without is_topic_message.
    expect(targetOfMessage({ chat, message_thread_id: 812 })).toBe("-1001234567890");
    expect(targetOfMessage({ chat })).toBe("-1001234567890");
    expect(topicOf({ is_topic_message: true, message_thread_id: 45 })).toBe(45);
  });

  it("a chat's admins own the chat and its topics, not another chat's", () => {
    const scope = chatScope(-1001234567890);
    if (scope.kind !== "tenant") throw new Error("expected a tenant scope");
    expect(scope.owns({ platform: "telegram", id: "-1001234567890" })).toBe(true);
    expect(scope.owns({ platform: "telegram", id: "-1001234567890:45" })).toBe(true);
    expect(scope.owns({ platform: "telegram", id: "-1009999999999:45" })).toBe(false);
    expect(scope.owns({ platform: "telegram", id: "-10012345678901" })).toBe(false);
    expect(scope.owns({ platform: "discord", id: "-1001234567890" })).toBe(false);
  });

  it("a public chat's admins own its @name targets too (any case), not another chat's @name", () => {
    const scope = chatScope(-1001234567890, "ai_forum");
    if (scope.kind !== "tenant") throw new Error("expected a tenant scope");
    expect(scope.owns({ platform: "telegram", id: "@AI_Forum:45" })).toBe(true);
    expect(scope.owns({ platform: "telegram", id: "@ai_forum" })).toBe(true);
    expect(scope.owns({ platform: "telegram", id: "@ai_forum2" })).toBe(false);
    const unnamed = chatScope(-1001234567890);
    expect(unnamed.kind === "tenant" && unnamed.owns({ platform: "telegram", id: "@ai_forum" })).toBe(false);
  });

  it("a command in a public chat acts on its @name target when that is the one subscribed, else on the numeric id", () => {
    const named = { ...chat, username: "ai_forum" };
    const inTopic = { chat: named, is_topic_message: true as const, message_thread_id: 45 };
    expect(sameChatTarget(inTopic, ["@AI_Forum:45"])).toBe("@AI_Forum:45");
    expect(sameChatTarget(inTopic, ["@AI_Forum:45", "-1001234567890:45"])).toBe("-1001234567890:45");
    expect(sameChatTarget(inTopic, ["@ai_forum"])).toBe("-1001234567890:45"); // the chat by name is not this topic
    expect(sameChatTarget({ chat: named }, ["@ai_forum"])).toBe("@ai_forum");
    expect(sameChatTarget({ chat }, ["@ai_forum"])).toBe("-1001234567890"); // no username: cannot be that chat
  });

  it("TELEGRAM_CHAT_IDS takes topics and names a bad entry with the fix", () => {
    expect(parseConfig({ TELEGRAM_CHAT_IDS: "-1001234567890:45, @ai_digest, 12345" }).TELEGRAM_CHAT_IDS).toEqual([
      "-1001234567890:45",
      "@ai_digest",
      "12345",
    ]);
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig(env);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ TELEGRAM_CHAT_IDS: "-1001234567890:1" })).toEqual([
      'TELEGRAM_CHAT_IDS (got "-1001234567890:1") "-1001234567890:1" is the General topic, which is the chat itself; write -1001234567890',
    ]);
    expect(problems({ TELEGRAM_CHAT_IDS: "-100123,-100123:045" })).toEqual([
      'TELEGRAM_CHAT_IDS (got "-100123,-100123:045") "-100123:045" is not a chat or topic id; use chat ids (-100…, 12345), channel usernames (@name) or forum topics as <chat>:<topic id> (-1001234567890:45)',
    ]);
    expect(problems({ TELEGRAM_CHAT_IDS: "-100123:topic" })[0]).toContain('"-100123:topic" is not a chat or topic id');
  });

  it("topics of one chat share the chat's pacing budget (Telegram counts per chat)", () => {
    const budgetOf = PLATFORM_LIMITS.telegram.budgetOf!;
    expect(budgetOf("-1001234567890:45")).toBe("-1001234567890");
    expect(budgetOf("-1001234567890")).toBe("-1001234567890");
    expect(budgetOf("@ai_digest")).toBe("@ai_digest");
  });
});

const post: DailyPost = {
  date: "2026-02-19",
  title: "AI 日报",
  header: [
    { title: "模型", storyCount: 2 },
    { title: "安全", storyCount: 1 },
  ],
  sections: [
    {
      index: 0,
      title: "模型",
      stories: [
        { id: "s1", title: "GLM-5 发布", summary: "智谱发布 GLM-5。", link: { label: "官方博客", url: "https://z.ai/blog/glm-5?a=1&b=2" } },
        { id: "s2", title: "Qwen3.5", summary: "阿里发布 Qwen3.5。", link: { label: "HF", url: "https://huggingface.co/Qwen" } },
      ],
    },
    { index: 1, title: "安全", stories: [{ id: "s3", title: "越狱", summary: "新的越狱手法。" }] },
  ],
};

describe("Telegram daily post options", () => {
  it("by default: no flag, previews off on every message", () => {
    const messages = planTelegramDailyPost(post, { locale: "zh" });
    for (const m of messages) {
      expect(m.disable_notification).toBeUndefined();
      expect(m.link_preview_options).toEqual({ is_disabled: true });
    }
  });

  it("silent puts disable_notification on every message, long posts included", () => {
    const long: DailyPost = {
      ...post,
      sections: Array.from({ length: 6 }, (_, i) => ({
        index: i,
        title: `栏目 ${i}`,
        stories: Array.from({ length: 12 }, (_, j) => ({ id: `s${i}-${j}`, title: `报道 ${i}-${j}`, summary: "很长的摘要。".repeat(25) })),
      })),
    };
    const messages = planTelegramDailyPost(long, { locale: "zh", post: { silent: true } });
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) {
      expect(m.disable_notification).toBe(true);
      expect(checkTelegramHtml(m.text).problems).toEqual([]);
      expect(checkTelegramHtml(m.text).plain.length).toBeLessThanOrEqual(4096);
    }
  });

  it("linkPreview previews the lead story's first link on the header only, small; the rest stay off", () => {
    const [header, ...rest] = planTelegramDailyPost({ ...post, sections: [...post.sections, ...post.sections.map((s) => ({ ...s, index: s.index + 2 }))] }, { locale: "zh", post: { linkPreview: true } });
    expect(header!.link_preview_options).toEqual({ is_disabled: false, url: "https://z.ai/blog/glm-5?a=1&b=2", prefer_small_media: true });
    for (const m of rest) expect(m.link_preview_options).toEqual({ is_disabled: true });
  });

  it("no preview when the lead story has no safe http(s) link", () => {
    const noLink: DailyPost = { ...post, sections: [post.sections[1]!, post.sections[0]!] };
    expect(planTelegramDailyPost(noLink, { locale: "zh", post: { linkPreview: true } })[0]!.link_preview_options).toEqual({ is_disabled: true });
    const js: DailyPost = { ...post, sections: [{ ...post.sections[0]!, stories: [{ id: "x", title: "x", summary: "x", link: { label: "x", url: "javascript:alert(1)" } }] }] };
    expect(planTelegramDailyPost(js, { locale: "zh", post: { linkPreview: true } })[0]!.link_preview_options).toEqual({ is_disabled: true });
  });
});
