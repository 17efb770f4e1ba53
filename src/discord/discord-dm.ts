// Discord personal alerts: opens (and caches) a user's DM channel with POST /users/@me/channels, then posts the alert there with a nonce.
import { DiscordAPIError, Routes, type REST } from "discord.js";
import { alertTitle, RecipientUnreachable, type AlertPublisher } from "../core/delivery/alert-publisher.js";
import { PublishAborted } from "../core/delivery/publisher.js";
import type { Logger } from "../core/logger.js";
import { editFailure } from "./discord-errors.js";
import { toPublishError, withNonce } from "./discord-publisher.js";
import { toDiscordPayload, type DiscordMessagePayload } from "./discord-render.js";
import { cutText, DISCORD_CONTENT_LIMIT, neutralizeMentions } from "./discord-text.js";

/** 50007 Cannot send messages to this user: DMs closed, no shared server, or the user blocked the bot. */
export const DISCORD_CANNOT_DM = 50007;
/** 10013 Unknown User. */
const DISCORD_UNKNOWN_USER = 10013;

/** The reason a watch is disabled with when Discord refuses the DM (shown in the user's /watch list). */
export const DISCORD_DM_REFUSED =
  "Discord refused a private message to this user (code 50007 Cannot send messages to this user): they blocked the bot, turned off direct messages from server members, or share no server with it; allow DMs, then send /watch again";

/**
 * Pure: the DM of one alert — a title line naming the watch, then the story as `/story` shows it (embeds, link
 * buttons, the Full story button), nothing able to ping anyone.
 */
export function planDiscordAlert(alert: Parameters<AlertPublisher["planAlert"]>[0]): DiscordMessagePayload {
  const payload = toDiscordPayload({ type: "story", story: alert.story, alsoMatching: [] }, alert.locale, { ephemeral: false });
  const title = neutralizeMentions(alertTitle(alert));
  const { flags: _flags, ...rest } = payload;
  return { ...rest, content: cutText(title, DISCORD_CONTENT_LIMIT) };
}

/**
 * The alert publisher for Discord DMs. The DM channel of each user is opened once and cached (Discord returns the
 * same channel every time). Sends carry the nonce with `enforce_nonce`, so a re-send after a crash is dropped by
 * Discord within its window.
 *
 * @example
 * engine.registerAlertPublisher(createDiscordDm({ rest: deliveryRest, logger }));
 */
export function createDiscordDm(options: { rest: REST; logger: Logger }): AlertPublisher<DiscordMessagePayload> {
  const { rest, logger } = options;
  const channels = new Map<string, Promise<string>>();

  function dmChannel(userId: string, signal: AbortSignal): Promise<string> {
    let channel = channels.get(userId);
    if (!channel) {
      channel = (rest.post(Routes.userChannels(), { body: { recipient_id: userId }, signal }) as Promise<{ id: string }>).then((c) => c.id);
      channels.set(userId, channel);
      // A failed open is not cached: the next attempt asks again.
      channel.catch(() => channels.delete(userId));
    }
    return channel;
  }

  return {
    platform: "discord",
    deduplicates: true,
    planAlert: planDiscordAlert,
    async sendDirect(userId, payload, { idempotencyKey, signal }) {
      let channelId: string | undefined;
      try {
        channelId = await dmChannel(userId, signal);
        const message = (await rest.post(Routes.channelMessages(channelId), { body: withNonce(payload, idempotencyKey), signal })) as { id: string };
        logger.debug({ userId, channelId, messageId: message.id }, "discord alert sent");
        return { messageId: message.id };
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`discord DM to user ${userId}: stopped while the request was in progress`, { cause: err });
        if (err instanceof DiscordAPIError && (err.code === DISCORD_CANNOT_DM || err.code === DISCORD_UNKNOWN_USER)) {
          throw new RecipientUnreachable(err.code === DISCORD_CANNOT_DM ? DISCORD_DM_REFUSED : `Discord does not know user ${userId} (code 10013 Unknown User)`, { cause: err });
        }
        const failure = toPublishError(err, channelId ?? `DM of user ${userId}`);
        logger.warn({ userId, kind: failure.kind, reason: failure.message }, "discord alert failed");
        throw failure;
      }
    },
    async editDirect(userId, messageId, payload, { signal }) {
      let channelId: string | undefined;
      try {
        channelId = await dmChannel(userId, signal);
        // Only what an edit may carry (no nonce or flags); components always, so removed buttons go away.
        const body = { content: payload.content, embeds: payload.embeds, components: payload.components, allowed_mentions: { parse: [] } };
        await rest.patch(Routes.channelMessage(channelId, messageId), { body, signal });
        logger.debug({ userId, channelId, messageId }, "discord alert edited");
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`discord DM edit for user ${userId}: stopped while the request was in progress`, { cause: err });
        throw channelId === undefined ? toPublishError(err, `DM of user ${userId}`) : editFailure(err, channelId, messageId, "edit");
      }
    },
  };
}
