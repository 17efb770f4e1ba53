// Settings: parsed once at start from the environment (and an optional .env file) with zod; errors name the variable and the fix.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import cron from "node-cron";
import { z } from "zod";

/** UI languages the bot answers in. Digest text is always shown as written. */
export const LOCALES = ["zh", "en"] as const;
export type Locale = (typeof LOCALES)[number];

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** An empty variable counts as unset, so `FOO=` in .env falls back to the default. */
const unsetIfEmpty = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, value: z.input<T>) =>
  z.preprocess(unsetIfEmpty, schema.default(value as never));

const list = (pattern: RegExp, fix: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((s) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(pattern, { error: fix }))),
  );

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const httpUrl = (fix: string) =>
  z.string().refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: fix }).transform((s) => s.replace(/\/+$/, ""));

/** Every setting of the bot. Keep in step with `.env.example` and the README's settings table. */
export const ConfigSchema = z.object({
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { error: `use one of ${LOG_LEVELS.join(", ")}` }), "info"),
  DIGEST_DIR: withDefault(z.string(), "data/digests"),
  DATA_DIR: withDefault(z.string(), "data/state"),
  DATABASE_URL: optional(
    z.string().refine(
      (s) => {
        try {
          return /^postgres(ql)?:$/.test(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { message: "is not a PostgreSQL URL; use postgres://user:password@host:5432/database, or leave it empty for SQLite in DATA_DIR" },
    ),
  ),
  BOT_LOCALE: withDefault(z.enum(LOCALES, { error: "use zh or en" }), "zh"),
  POST_CRON: withDefault(
    z.string().refine((s) => cron.validate(s), {
      message: 'is not a valid cron expression; use five fields like "0 9 * * *" (minute hour day month weekday)',
    }),
    "0 9 * * *",
  ),
  POST_TIMEZONE: withDefault(
    z.string().refine(isTimeZone, { message: "is not a known IANA time zone; use one like Asia/Shanghai or UTC" }),
    "Asia/Shanghai",
  ),
  DELIVERY_DEADLINE_HOURS: withDefault(
    z.coerce.number({ error: "use a number of hours like 12" }).positive({ error: "use a number of hours above 0, like 12" }),
    12,
  ),
  REVISION_QUIET_SECONDS: withDefault(
    z.coerce
      .number({ error: "use a number of seconds like 60" })
      .int({ error: "use a whole number of seconds like 60" })
      .min(0, { error: "use 0 or more seconds, like 60" }),
    60,
  ),
  // Zod applies a default after the transform, so it is given as the parsed value (true), not the text.
  EDIT_ON_REVISION: z.preprocess(
    unsetIfEmpty,
    z
      .enum(["true", "false"], { error: "use true or false" })
      .transform((v) => v === "true")
      .default(true),
  ),
  DISCORD_TOKEN: optional(
    z.string().regex(/^[\w.-]{20,}$/, { error: "does not look like a Discord bot token; copy it from the Developer Portal's Bot page" }),
  ),
  DISCORD_GUILD_ID: optional(z.string().regex(/^\d{5,25}$/, { error: "use the numeric id of a server (a snowflake)" })),
  DISCORD_CHANNEL_IDS: list(/^\d{5,25}$/, "use numeric channel ids separated by commas"),
  // Operators: may act on every server's targets (`/repost all:true`, the status of all targets).
  DISCORD_ADMIN_IDS: list(/^\d{5,25}$/, "use numeric Discord user ids separated by commas"),
  DISCORD_API_BASE: withDefault(httpUrl("use an http(s) URL like https://discord.com/api"), "https://discord.com/api"),
  TELEGRAM_BOT_TOKEN: optional(
    z.string().regex(/^\d+:[\w-]{20,}$/, { error: "does not look like a Telegram bot token (123456:ABC…); copy it from @BotFather" }),
  ),
  TELEGRAM_CHAT_IDS: list(
    /^(@\w{4,}|-?\d+)$/,
    "use chat ids (-100…, 12345) or channel usernames (@name) separated by commas",
  ),
  TELEGRAM_ADMIN_IDS: list(/^\d+$/, "use numeric Telegram user ids separated by commas"),
  TELEGRAM_API_ROOT: withDefault(httpUrl("use an http(s) URL like https://api.telegram.org"), "https://api.telegram.org"),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Names of settings whose values must never be printed. */
export const SECRET_SETTINGS = ["DISCORD_TOKEN", "TELEGRAM_BOT_TOKEN", "DATABASE_URL"] as const;

/** A bad setting: the message names every variable, what was wrong and how to fix it — never a secret's value. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Parses the settings once. Throws `ConfigError` naming each bad variable.
 *
 * @example
 * const config = parseConfig({ POST_TIMEZONE: "Europe/Berlin" });
 * config.POST_CRON; // "0 9 * * *"
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "settings");
    const raw = env[name];
    const shown = (SECRET_SETTINGS as readonly string[]).includes(name) || raw === undefined ? "" : ` (got "${raw}")`;
    return `${name}${shown} ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/**
 * Reads `.env` from `cwd` if present (the real environment wins), then parses.
 * Call once at start; pass the result down instead of reading `process.env` elsewhere.
 */
export function loadConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolve(cwd, ".env");
  const fromFile = existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
  return parseConfig({ ...fromFile, ...definedOnly(env) });
}

/** Drops unset and empty variables so an empty real variable does not hide a value from .env. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""));
}
