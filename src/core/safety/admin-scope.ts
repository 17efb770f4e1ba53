// Who an admin acts for: the bot's operators (every target, global actions) or one chat's/server's admins (their own only).
import type { Platform } from "../reply.js";

/** A delivery target as the scope sees it (same shape as the delivery engine's `TargetRef`). */
export interface ScopedTarget {
  platform: Platform;
  id: string;
}

/**
 * What an admin command may touch.
 * - `operator`: the people who run the bot (`TELEGRAM_ADMIN_IDS`, the Discord application's owner/team or
 *   `DISCORD_ADMIN_IDS`, whoever sits at the console): every target, `/repost all:true`, the status of all targets.
 * - `tenant`: an administrator of one Telegram chat or one Discord server: only the targets `owns` accepts.
 */
export type AdminScope =
  | { kind: "operator" }
  | {
      kind: "tenant";
      platform: Platform;
      /** The chat (Telegram) or server (Discord) the admin administers; for logs and messages. */
      tenant: string;
      owns(target: ScopedTarget): boolean;
    };

/** The operators' scope. */
export const OPERATOR_SCOPE: AdminScope = Object.freeze({ kind: "operator" as const });

/**
 * A chat's or server's admins. Without `owns`, the tenant owns exactly the target `platform:tenant` (a Telegram chat).
 *
 * @example
 * tenantScope("telegram", "-100123").owns({ platform: "telegram", id: "-100999" }); // false
 */
export function tenantScope(platform: Platform, tenant: string, owns?: (target: ScopedTarget) => boolean): AdminScope {
  return { kind: "tenant", platform, tenant, owns: owns ?? ((t) => t.platform === platform && t.id === tenant) };
}

/**
 * The scope of a command invocation. An adapter sets `adminScope`; when it did not, the narrowest scope that fits is
 * assumed: the console (and `digest-bot ask`) is run by the operator, anything else only owns the place it was
 * asked in — so a forgotten scope never grants global power. Undefined for non-admins.
 */
export function scopeOf(ctx: {
  isAdmin: boolean;
  adminScope?: AdminScope | undefined;
  platform: Platform;
  target?: ScopedTarget | undefined;
}): AdminScope | undefined {
  if (!ctx.isAdmin) return undefined;
  if (ctx.adminScope) return ctx.adminScope;
  if (ctx.platform === "console") return OPERATOR_SCOPE;
  const target = ctx.target;
  return target ? tenantScope(target.platform, target.id) : tenantScope(ctx.platform, "", () => false);
}

/** True when `scope` may act on `target`. */
export function scopeOwns(scope: AdminScope | undefined, target: ScopedTarget): boolean {
  if (!scope) return false;
  return scope.kind === "operator" || scope.owns(target);
}
