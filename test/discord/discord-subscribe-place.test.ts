// /subscribe's mode against the Discord channel type it was run in: forums take forum posts, threads need a text or announcement channel.
import { describe, expect, it } from "vitest";
import { t } from "../../src/core/i18n.js";
import { placeSubscription } from "../../src/discord/discord-subscribe-place.js";

const TEXT = { id: "7", type: 0 };
const NEWS = { id: "7", type: 5 };
const FORUM = { id: "15", type: 15 };
const FORUM_POST = { id: "9", type: 11, parentId: "15", parentType: 15 };
const THREAD = { id: "9", type: 11, parentId: "7", parentType: 0 };

describe("placeSubscription", () => {
  it("a forum channel, or mode forum in one of its posts, subscribes the forum in mode forum", () => {
    expect(placeSubscription(FORUM, undefined, "en")).toEqual({ ok: true, targetId: "15", mode: "forum" });
    expect(placeSubscription(FORUM, "forum", "en")).toEqual({ ok: true, targetId: "15", mode: "forum" });
    expect(placeSubscription(FORUM_POST, "forum", "en")).toEqual({ ok: true, targetId: "15", mode: "forum" });
  });

  it("refuses forum outside a forum, thread outside a text or announcement channel, other modes in a forum", () => {
    expect(placeSubscription(TEXT, "forum", "en")).toEqual({ ok: false, message: t("en", "error.discord.modeForum"), hint: t("en", "error.discord.modeForum.hint") });
    expect(placeSubscription(THREAD, "forum", "en")).toMatchObject({ ok: false, message: t("en", "error.discord.modeForum") });
    expect(placeSubscription(THREAD, "thread", "zh")).toEqual({ ok: false, message: t("zh", "error.discord.modeThread"), hint: t("zh", "error.discord.modeThread.hint") });
    expect(placeSubscription(FORUM_POST, "thread", "en")).toMatchObject({ ok: false, message: "mode thread needs a text or announcement channel: a thread cannot have threads of its own." });
    expect(placeSubscription(FORUM, "thread", "en")).toMatchObject({ ok: false, message: "A forum channel takes only mode forum: one post per day." });
    expect(placeSubscription(FORUM, "channel", "en")).toMatchObject({ ok: false });
  });

  it("text and announcement channels take channel and thread; no mode keeps what is stored", () => {
    expect(placeSubscription(TEXT, "thread", "en")).toEqual({ ok: true, targetId: "7", mode: "thread" });
    expect(placeSubscription(NEWS, "thread", "en")).toEqual({ ok: true, targetId: "7", mode: "thread" });
    expect(placeSubscription(NEWS, "channel", "en")).toEqual({ ok: true, targetId: "7", mode: "channel" });
    expect(placeSubscription(TEXT, undefined, "en")).toEqual({ ok: true, targetId: "7" });
    expect(placeSubscription(THREAD, undefined, "en")).toEqual({ ok: true, targetId: "9" });
  });
});
