// Discord alert messages: the story embed with a title line that cannot ping anyone, whatever the watch's query.
import { describe, expect, it } from "vitest";
import { planDiscordAlert } from "../../src/discord/discord-dm.js";

describe("Discord alerts", () => {
  it("neutralises mentions in the query and allows none", () => {
    const m = planDiscordAlert({
      story: { id: "20260218-x-abcde", date: "2026-02-18", section: "S", title: "T @everyone", body: "b <@123>", text: "b <@123>", links: [] },
      query: "@everyone <@&42>",
      locale: "en",
    });
    expect(m.content).toBe("🔔 New story for your watch “@\u200beveryone <\u200b@&42>”");
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.flags).toBeUndefined();
    expect(JSON.stringify(m.embeds)).not.toMatch(/@everyone|<@\d/);
  });
});
