// Shared steps of the admin commands: where the command was asked, who may act on what, and section names to indexes.
import type { CommandContext } from "../../src/core/command.js";
import { UserError } from "../../src/core/command-registry.js";
import type { TargetRef } from "../../src/core/delivery/control.js";
import { DeliveryError } from "../../src/core/delivery/engine.js";
import { t } from "../../src/core/i18n.js";
import type { Digest } from "../../src/core/digest/model.js";
import { matchSection } from "../../src/core/section-match.js";
import { scopeOf, scopeOwns } from "../../src/core/safety/admin-scope.js";
import type { TargetStatus } from "../../src/core/reply.js";
import { requireSection } from "./helpers.js";

/**
 * The channel/chat the command was asked in; throws when there is none (e.g. a CLI without a target), or when the
 * asker's scope does not own it (an adapter bug must not let one tenant act on another's channel).
 */
export function requireTarget(ctx: CommandContext, command: string): TargetRef {
  if (!ctx.target) throw new UserError("bad-option", t(ctx.locale, "error.noTarget"), t(ctx.locale, "error.noTarget.hint", { command }));
  const target = { platform: ctx.target.platform, id: ctx.target.id };
  if (!scopeOwns(scopeOf(ctx), target)) {
    ctx.logger.warn({ command, platform: target.platform, target: target.id }, "admin command refused: target outside the asker's scope");
    throw new UserError("not-admin", t(ctx.locale, "error.notAdmin", { name: command }), t(ctx.locale, "error.notAdmin.hint"));
  }
  return target;
}

/**
 * Refuses unless the asker is one of the bot's operators: for what reaches every tenant (`/repost all:true`,
 * `/status` of all targets). `what` names the refused part in the answer, e.g. `/repost all:true`.
 */
export function requireOperator(ctx: CommandContext, what: string): void {
  if (scopeOf(ctx)?.kind === "operator") return;
  ctx.logger.info({ what, platform: ctx.platform, target: ctx.target?.id }, "operator-only request refused");
  throw new UserError("not-admin", t(ctx.locale, "error.operatorOnly", { what }), t(ctx.locale, "error.operatorOnly.hint"));
}

/** The targets the asker may see: all for operators, their own chat's/server's for its admins, none otherwise. */
export function visibleTargets<T extends Pick<TargetStatus, "platform" | "targetId">>(ctx: CommandContext, targets: readonly T[]): T[] {
  const scope = scopeOf(ctx);
  return targets.filter((target) => scopeOwns(scope, { platform: target.platform, id: target.targetId }));
}

/**
 * Reads a list of section names (`agent, 安全` or `agent 安全`) into 0-based indexes of `digest`.
 * A name with spaces (`Agent 与工具链`) works when the list is comma-separated or has one entry.
 */
export function sectionIndexes(ctx: CommandContext, digest: Digest, text: string): number[] {
  const byComma = text.split(/[,，、;；]/).map((s) => s.trim()).filter(Boolean);
  let names = byComma;
  if (byComma.length === 1 && matchSection(digest, byComma[0]!) === undefined) {
    names = byComma[0]!.split(/\s+/).filter(Boolean);
  }
  const indexes = names.map((name) => requireSection(ctx, digest, name));
  return [...new Set(indexes)].sort((a, b) => a - b);
}

/**
 * Runs a delivery call and never lets it throw past the command.
 * - A `DeliveryError` is the engine refusing with a reason meant for the asker (no publisher for this platform,
 *   not subscribed, shutting down…): answered with that reason, logged at warn without a stack — nothing broke.
 * - Anything else is a real failure: logged at error with its stack, answered as `unavailable` with the reason
 *   (the asker is an admin, who needs it to act).
 */
export async function viaDelivery<T>(ctx: CommandContext, what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (err instanceof DeliveryError) {
      // The engine prefixes its messages with "delivery: " for logs and the CLI; the asker needs only the reason.
      const reason = err.message.replace(/^delivery:\s*/, "");
      ctx.logger.warn({ reason, platform: ctx.platform, target: ctx.target?.id }, "delivery refused the request");
      throw new UserError("unavailable", t(ctx.locale, "error.deliveryRefused", { reason }));
    }
    ctx.logger.error({ err }, "delivery call failed");
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError("unavailable", t(ctx.locale, "error.unavailable", { what: reason }), t(ctx.locale, "error.unavailable.hint"));
  }
}
