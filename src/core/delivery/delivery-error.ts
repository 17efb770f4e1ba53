// The error of a delivery request the engine cannot carry out, and the one for a platform without a publisher.
import type { Platform } from "../reply.js";

/** A delivery request the engine cannot carry out; the message says why and what to do. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
}

/** What to do when a platform has no publisher: the fix depends on the platform. */
export function noPublisher(platform: Platform): DeliveryError {
  const fix =
    platform === "discord"
      ? "set DISCORD_TOKEN to deliver there"
      : platform === "telegram"
        ? "set TELEGRAM_BOT_TOKEN to deliver there"
        : "only the running local console (digest-bot console) delivers there";
  return new DeliveryError(`delivery: no ${platform} publisher is running; ${fix}`);
}
