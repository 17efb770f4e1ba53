// Discord registration JSON from the shared command definitions: names, both languages, limits, admin permission.
import { describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/core/command.js";
import { loadCommands } from "../../src/core/command-registry.js";
import { toDiscordCommandData } from "../../src/discord/discord-commands.js";

const registry = await loadCommands();
const data = toDiscordCommandData(registry.commands);
const byName = (name: string) => data.find((c) => c.name === name)!;

describe("toDiscordCommandData", () => {
  it("registers every shared command, in the registry's order, with zh-CN and en-US descriptions", () => {
    expect(data.map((c) => c.name)).toEqual(registry.commands.map((c) => c.name));
    for (const def of registry.commands) {
      const json = byName(def.name);
      expect(json.description).toBe(def.description.en);
      expect(json.description_localizations).toMatchObject({ "zh-CN": def.description.zh, "en-US": def.description.en });
      expect(json.options?.map((o) => o.name) ?? []).toEqual(def.options.map((o) => o.name));
      for (const [i, o] of def.options.entries()) {
        expect(json.options![i]!.description_localizations).toMatchObject({ "zh-CN": o.description.zh });
      }
    }
  });

  it("carries option types, required flags, length limits and autocomplete on /story and /links", () => {
    const story = byName("story");
    expect(story.options![0]).toMatchObject({ name: "query", type: 3, required: true, autocomplete: true, max_length: 200 });
    expect(byName("links").options![0]).toMatchObject({ name: "query", autocomplete: true });
    expect(byName("search").options!.find((o) => o.name === "query")).not.toHaveProperty("autocomplete", true);
    const repostAll = byName("repost").options!.find((o) => o.name === "all");
    expect(repostAll?.type).toBe(5);
  });

  it("admin commands need Manage Server by default and exist only in servers; reader commands also work in DMs", () => {
    for (const def of registry.commands) {
      const json = byName(def.name);
      if (def.adminOnly) {
        expect(json.default_member_permissions).toBe("32");
        expect(json.contexts).toEqual([0]);
      } else {
        expect(json.default_member_permissions).toBeUndefined();
        expect(json.contexts).toEqual([0, 1]); // Guild, BotDM
      }
    }
    expect(registry.commands.filter((c) => c.adminOnly).map((c) => c.name).sort()).toEqual(["repost", "status", "subscribe", "unsubscribe"]);
  });

  it("rejects a definition Discord would refuse, naming the command and the file to fix", () => {
    const bad: CommandDefinition = {
      name: "bad",
      description: { zh: "坏", en: "x".repeat(101) },
      options: [],
      execute: () => ({ type: "notice", tone: "info", text: "" }),
    };
    expect(() => toDiscordCommandData([bad])).toThrow(/^\/bad: Discord would reject this command \(.+\); fix its definition in commands\/bad\.ts$/);
  });
});
