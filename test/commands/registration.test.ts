// The same definitions feed Discord registration, Telegram's command menu and /help, so they cannot drift apart.
import { describe, expect, it } from "vitest";
import { loadCommands, usageOf } from "../../src/core/command-registry.js";
import { toDiscordCommandData } from "../../src/discord/discord-commands.js";
import { toTelegramCommands } from "../../src/telegram/telegram-commands.js";

describe("one set of definitions for every platform", async () => {
  const registry = await loadCommands();
  const names = registry.commands.map((c) => c.name);

  it("Discord registration JSON has every command and option, with both languages and limits", () => {
    const data = toDiscordCommandData(registry.commands);
    expect(data.map((c) => c.name)).toEqual(names);
    const story = data.find((c) => c.name === "story")!;
    expect(story.description).toBe("Show the best-matching story in full (keywords or an id)");
    expect(story.description_localizations?.["zh-CN"]).toBe("查看最匹配的一条报道全文（可用关键词或编号）");
    expect(story.options).toEqual([
      expect.objectContaining({ name: "query", type: 3, required: true, max_length: 200, autocomplete: true }),
      expect.objectContaining({ name: "date", type: 3, required: false, max_length: 20 }),
    ]);
    const search = data.find((c) => c.name === "search")!;
    expect(search.options?.map((o) => o.name)).toEqual(["query", "section", "date", "page"]);
    expect(search.options?.[3]).toMatchObject({ type: 4, min_value: 1, max_value: 100 });
    for (const c of data) {
      const def = registry.get(c.name)!;
      expect(c.default_member_permissions != null, c.name).toBe(def.adminOnly === true);
    }
  });

  it("Telegram's menu lists the same commands in the same order, admin ones only when asked", () => {
    const everyone = toTelegramCommands(registry.commands, "zh");
    expect(everyone.map((c) => c.command)).toEqual(names.filter((n) => !registry.get(n)!.adminOnly));
    expect(everyone[0]).toEqual({ command: "story", description: "查看最匹配的一条报道全文（可用关键词或编号）" });
    const admins = toTelegramCommands(registry.commands, "en", { includeAdmin: true });
    expect(admins.map((c) => c.command)).toEqual(names);
    expect(admins.find((c) => c.command === "status")?.description).toBe(registry.get("status")!.description.en);
  });

  it("/help usage lines come from the same options", () => {
    for (const def of registry.commands) {
      const usage = usageOf(def);
      for (const o of def.options) expect(usage).toContain(o.name);
    }
  });
});
