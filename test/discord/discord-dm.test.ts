// Discord alert messages: the story embed with a title line that cannot ping anyone, whatever the watch's query; edits of a sent alert.
import { DiscordAPIError, type REST } from "discord.js";
import { describe, expect, it } from "vitest";
import { PublishError } from "../../src/core/delivery/publisher.js";
import { createLogger } from "../../src/core/logger.js";
import { createDiscordDm, planDiscordAlert } from "../../src/discord/discord-dm.js";

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

  it("an edit of a sent alert patches that message in the user's DM channel, with no nonce and nothing able to ping; a deleted one is permanent", async () => {
    const calls: { method: string; route: string; body: unknown }[] = [];
    let deleted = false;
    const rest = {
      post: (route: string, { body }: { body: unknown }) => (calls.push({ method: "POST", route, body }), Promise.resolve({ id: "900" })),
      patch(route: string, { body }: { body: unknown }) {
        calls.push({ method: "PATCH", route, body });
        if (deleted) return Promise.reject(new DiscordAPIError({ code: 10008, message: "Unknown Message" }, 10008, 404, "PATCH", route, {}));
        return Promise.resolve({});
      },
    } as unknown as REST;
    const dm = createDiscordDm({ rest, logger: createLogger({ level: "silent" }) });
    const payload = planDiscordAlert({
      story: { id: "20260218-x-abcde", date: "2026-02-18", section: "S", title: "T", body: "b", text: "b", links: [] },
      query: "@everyone",
      locale: "en",
      more: { count: 2, date: "2026-02-18", cap: 5 },
    });
    await dm.editDirect!("42", "1234", payload, { signal: new AbortController().signal });
    expect(calls.map((c) => [c.method, c.route])).toEqual([
      ["POST", "/users/@me/channels"],
      ["PATCH", "/channels/900/messages/1234"],
    ]);
    const body = calls[1]!.body as Record<string, unknown>;
    expect(body.content).toBe("🔔 New story for your watch “@\u200beveryone”\n…and 2 more stories of the 2026-02-18 digest match your watches (at most 5 alerts a digest); /search finds them");
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body).not.toHaveProperty("nonce");
    deleted = true;
    const failure = await dm.editDirect!("42", "1234", payload, { signal: new AbortController().signal }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).kind).toBe("permanent");
    expect((failure as PublishError).message).toBe("discord edit of message 1234 in channel 900: the message was deleted (code 10008 Unknown Message)");
  });
});
