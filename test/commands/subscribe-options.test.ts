// /subscribe's delivery options (#13): only what is given changes, each platform's own options, exact refusals, /status shows them.
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsolePublisher } from "../../src/console/console-publisher.js";
import { testBackends } from "../core/storage/backends.js";
import { startHarness, type Harness } from "./app-harness.js";

const telegram = { platform: "telegram", isAdmin: true, target: { platform: "telegram", id: "-100555" } } as const;
const discord = { platform: "discord", isAdmin: true, target: { platform: "discord", id: "223456789012" } } as const;

describe.each(testBackends())("subscription options, state on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend });
  });
  afterAll(async () => h.close());

  const own = async (platform: "telegram" | "discord", id: string) => (await h.app.storage.subscriptions.get(platform, id))?.options;

  describe("/subscribe delivery options", () => {
    it("sets the options given on Telegram, changes only those on the next call, and says the subscription as it now is", async () => {
      expect((await h.ask('/subscribe silent:true pin:true keywords:"agent, 安全，glm5"', telegram)).reply).toEqual({
        type: "notice",
        tone: "success",
        text: "已订阅：本频道将在每天定时收到日报（全部栏目）。\n选项：静音；置顶当天的日报；只发匹配关键词 agent、安全、glm5 的报道",
      });
      expect((await h.ask("/subscribe preview:yes pin:false", telegram)).reply).toMatchObject({
        text: "已订阅：本频道将在每天定时收到日报（全部栏目）。\n选项：静音；首条链接预览；只发匹配关键词 agent、安全、glm5 的报道",
      });
      // Sections alone keep the options; the options alone keep the sections.
      await h.ask("/subscribe 安全", telegram);
      expect((await h.ask("/subscribe keywords:全部", telegram)).reply).toMatchObject({
        text: "已订阅：本频道将在每天定时收到日报（政策、治理与安全）。\n选项：静音；首条链接预览",
      });
      expect(await own("telegram", "-100555")).toEqual({ silent: true, pin: false, linkPreview: true, keywords: [] });
      const status = await h.ask("/status", telegram);
      expect(status.text).toContain("• telegram:-100555 — 启用 — 政策、治理与安全\n");
      expect(status.text).toContain("\n  选项：静音；首条链接预览");
    });

    it("sets Discord's mode and role ping (a mention or an id; none clears it) and shows the role as a bare id", async () => {
      expect((await h.ask("/subscribe mode:forum role:<@&323456789012> silent:false", discord)).reply).toMatchObject({
        tone: "success",
        text: "已订阅：本频道将在每天定时收到日报（全部栏目）。\n选项：forum 模式；提醒身份组 323456789012",
      });
      expect((await h.ask("/subscribe role:none mode:channel", discord)).reply).toMatchObject({ text: "已订阅：本频道将在每天定时收到日报（全部栏目）。" });
      expect(await own("discord", "223456789012")).toEqual({ mode: "channel", pingRole: "", silent: false });
    });

    it("refuses an option of the other platform, naming the platform it is for, and changes nothing", async () => {
      const before = await own("telegram", "-100555");
      expect((await h.ask("/subscribe silent:false mode:thread", telegram)).reply).toEqual({
        type: "error",
        code: "bad-option",
        message: "选项 mode 只适用于 Discord，这里是 Telegram。",
        hint: "去掉 mode，或在 Discord 里设置。",
      });
      expect(await own("telegram", "-100555")).toEqual(before);
      expect((await h.ask("/subscribe preview:true", discord)).reply).toMatchObject({ message: "选项 preview 只适用于 Telegram，这里是 Discord。" });
      expect((await h.ask("/subscribe role:323456789012")).reply).toMatchObject({ message: "选项 role 只适用于 Discord，这里是 本地控制台。" });
    });

    it("the console cannot pin: pin:true is refused there, saying where it works, and nothing changes", async () => {
      await h.ask("/subscribe");
      const before = (await h.app.storage.subscriptions.get("console", "local"))?.options;
      expect((await h.ask("/subscribe silent:true pin:true")).reply).toEqual({
        type: "error",
        code: "bad-option",
        message: "本地控制台不能置顶消息：选项 pin 只适用于 Discord 和 Telegram。",
        hint: "去掉 pin，或在 Discord 频道、Telegram 群组或频道里设置。",
      });
      expect((await h.app.storage.subscriptions.get("console", "local"))?.options).toEqual(before);
      // Whoever calls the engine: the console target cannot store it either.
      await expect(h.app.delivery.setOptions!({ platform: "console", id: "local" }, { pin: true })).rejects.toThrowError(
        "delivery: pin: the console cannot pin messages; it works on discord and telegram",
      );
      // pin:false asks for nothing the console cannot do.
      expect((await h.ask("/subscribe pin:false")).reply).toMatchObject({ type: "notice", tone: "success" });
    });

    it("refuses a bad mode, role or keyword list with the fix", async () => {
      const hint = '例如：/subscribe silent:true pin:true keywords:"agent, 安全"（keywords:none 取消关键词）';
      expect((await h.ask("/subscribe mode:threads", discord)).reply).toEqual({
        type: "error",
        code: "bad-option",
        message: "选项 mode 不正确：要填 channel、thread 或 forum，收到“threads”",
        hint,
      });
      expect((await h.ask("/subscribe role:@everyone", discord)).reply).toMatchObject({
        message: "选项 role 不正确：要填身份组 ID（如 123456789012345678）、<@&…> 提及或 none，收到“@everyone”",
      });
      const many = Array.from({ length: 21 }, (_, i) => `k${i}`).join(",");
      expect((await h.ask(`/subscribe keywords:"${many}"`, telegram)).reply).toMatchObject({ message: "选项 keywords 不正确：最多 20 个关键词，每个不超过 100 个字" });
      expect((await h.ask("/subscribe pin:maybe", telegram)).reply).toMatchObject({ code: "bad-option", message: expect.stringContaining("maybe") });
    });

    it("refuses keywords that could never match (only punctuation or emoji) and keeps one of each repeated keyword", async () => {
      const before = await own("telegram", "-100555");
      expect((await h.ask('/subscribe keywords:"agent, !!!, 🤖"', telegram)).reply).toEqual({
        type: "error",
        code: "bad-option",
        message: "选项 keywords 不正确：“!!!”、“🤖” 里没有可以搜索的字词（只有标点、符号或表情），永远不会匹配任何报道",
        hint: '例如：/subscribe silent:true pin:true keywords:"agent, 安全"（keywords:none 取消关键词）',
      });
      expect((await h.ask('/subscribe keywords:"—"', { ...telegram, locale: "en" })).reply).toMatchObject({
        message: "The keywords option does not work: no word to search for in “—” (only punctuation, symbols or emoji); it would never match a story",
      });
      expect(await own("telegram", "-100555")).toEqual(before);
      // A one-character Chinese keyword and a model name with a non-breaking hyphen are words; repeats as search reads them go.
      await h.ask('/subscribe keywords:"安, GLM\u20115, Agent, agent, 封號, 封号, glm-5"', telegram);
      expect((await own("telegram", "-100555"))?.keywords).toEqual(["安", "GLM\u20115", "Agent", "封號"]);
      await h.ask("/subscribe keywords:none", telegram);
    });

    it("answers in English", async () => {
      expect((await h.ask("/subscribe pin:true", { ...telegram, locale: "en" })).reply).toMatchObject({
        text: "Subscribed: this channel gets the digest every day on schedule (政策、治理与安全).\nOptions: silent; pins the day's header; lead link preview",
      });
      expect((await h.ask("/subscribe mode:thread", { ...telegram, locale: "en" })).reply).toMatchObject({
        message: "The mode option is for Discord only; this is Telegram.",
        hint: "Leave out mode, or set it on Discord.",
      });
    });
  });

  describe("/repost to a subscription with keywords", () => {
    it("says when nothing of the digest matches its keywords instead of a bare 0 messages", async () => {
      const target = { platform: "console", isAdmin: true, target: { platform: "console", id: "local" } } as const;
      h.app.delivery.registerPublisher(createConsolePublisher({ output: new PassThrough(), locale: "zh" }));
      await h.ask('/subscribe keywords:"区块链"', target);
      expect((await h.ask("/repost", target)).reply).toEqual({
        type: "notice",
        tone: "success",
        text: "已重新发送 2026-02-18 的日报：0 条消息，发往 0 个目标。\nconsole:local：没有报道匹配其关键词，没有发送。",
      });
    });
  });
});
