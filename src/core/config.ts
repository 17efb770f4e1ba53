// Settings: parsed once at start from the environment (and an optional .env file) with zod; errors name the variable and the fix.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseEnv } from "node:util";
import cron from "node-cron";
import { z } from "zod";
import { packageRoot } from "./package-root.js";
import { maskTokens } from "./safety/scrub.js";

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

/** Time zone abbreviations that mean several zones (CST: China, US Central, Cuba); refused with the likely intent. */
export const AMBIGUOUS_ZONES: Readonly<Record<string, readonly string[]>> = {
  CST: ["Asia/Shanghai", "America/Chicago", "America/Havana"],
  IST: ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"],
  EST: ["America/New_York", "Australia/Sydney"],
  EDT: ["America/New_York"],
  CDT: ["America/Chicago", "America/Havana"],
  MST: ["America/Denver", "America/Phoenix"],
  PST: ["America/Los_Angeles", "Asia/Manila"],
  BST: ["Europe/London", "Asia/Dhaka"],
  AST: ["America/Halifax", "Asia/Riyadh"],
  HST: ["Pacific/Honolulu"],
  CET: ["Europe/Berlin", "Europe/Paris"],
  EET: ["Europe/Athens", "Europe/Helsinki"],
  WET: ["Europe/Lisbon"],
  MSK: ["Europe/Moscow"],
  JST: ["Asia/Tokyo"],
  KST: ["Asia/Seoul"],
  HKT: ["Asia/Hong_Kong"],
  SGT: ["Asia/Singapore"],
  AEST: ["Australia/Sydney"],
};

/** A time zone the bot accepts: a known IANA name that is not an ambiguous abbreviation. */
export function timeZoneProblem(tz: string): string | undefined {
  const zones = AMBIGUOUS_ZONES[tz.toUpperCase()];
  if (zones) return `is an ambiguous abbreviation; use an IANA name such as ${zones.join(" or ")}`;
  if (!isTimeZone(tz)) return "is not a known IANA time zone; use one like Asia/Shanghai or UTC";
  return undefined;
}

const httpUrl = (fix: string) =>
  z.string().refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: fix }).transform((s) => s.replace(/\/+$/, ""));

/** A true/false setting, false when unset; a bad value says what true means. */
const boolSetting = (meaning: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .enum(["true", "false"], { error: `use true or false (${meaning})` })
      .transform((v) => v === "true")
      .default(false),
  );

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
    z.string().superRefine((tz, ctx) => {
      const problem = timeZoneProblem(tz);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
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
  // Personal alerts (/watch): how many watches one user may keep.
  WATCH_LIMIT: withDefault(
    z.coerce
      .number({ error: "use a whole number of watches per user like 10" })
      .int({ error: "use a whole number of watches per user like 10" })
      .min(1, { error: "use 1 or more watches per user, like 10" })
      .max(100, { error: "use at most 100 watches per user (each is searched on every new digest), like 10" }),
    10,
  ),
  // Zod applies a default after the transform, so it is given as the parsed value (true), not the text.
  EDIT_ON_REVISION: z.preprocess(
    unsetIfEmpty,
    z
      .enum(["true", "false"], { error: "use true or false" })
      .transform((v) => v === "true")
      .default(true),
  ),
  // Delivery options (#13): defaults for the settings targets (DISCORD_CHANNEL_IDS, TELEGRAM_CHAT_IDS); /subscribe overrides per target.
  DELIVERY_SILENT: boolSetting("true to deliver settings targets' posts without a notification"),
  DELIVERY_PIN: boolSetting("true to pin each day's header in settings targets (and unpin the previous one)"),
  DELIVERY_KEYWORDS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((s) => (s ?? "").split(/[,，、;；]/).map((x) => x.trim()).filter(Boolean))
      .pipe(
        z
          .array(
            z
              .string()
              .refine((k) => Array.from(k).length <= 100, { error: "has a keyword over 100 characters; use short words or names separated by commas, like agent, 安全" })
              // The tokenizer finds no word without a letter or digit (`!!!`, `🤖`): such a keyword matches nothing, every day.
              .regex(/[\p{L}\p{N}]/u, { error: "has a keyword with no word to search for (only punctuation, symbols or emoji); use words or names, like agent, 安全" }),
          )
          .max(20, { error: "has more than 20 keywords; use at most 20, separated by commas" }),
      ),
  ),
  DISCORD_POST_MODE: optional(z.enum(["channel", "thread", "forum"], { error: "use channel, thread or forum" })),
  DISCORD_PING_ROLE_ID: optional(
    z
      .string()
      .transform((s) => s.trim().replace(/^<@&(\d+)>$/, "$1"))
      .pipe(z.string().regex(/^\d{5,25}$/, { error: "use the numeric id of a role (a snowflake; Server Settings → Roles → Copy Role ID)" })),
  ),
  TELEGRAM_LINK_PREVIEW: boolSetting("true to show the lead story's link preview on the header"),
  DISCORD_TOKEN: optional(
    z.string().regex(/^[\w.-]{20,}$/, { error: "does not look like a Discord bot token; copy it from the Developer Portal's Bot page" }),
  ),
  DISCORD_GUILD_ID: optional(z.string().regex(/^\d{5,25}$/, { error: "use the numeric id of a server (a snowflake)" })),
  DISCORD_CHANNEL_IDS: list(/^\d{5,25}$/, "use numeric channel ids separated by commas"),
  // Operators: may act on every server's targets (`/repost all:true`, the status of all targets).
  DISCORD_ADMIN_IDS: list(/^\d{5,25}$/, "use numeric Discord user ids separated by commas"),
  DISCORD_API_BASE: withDefault(httpUrl("use an http(s) URL like https://discord.com/api"), "https://discord.com/api"),
  // Set: commands arrive over the HTTP interactions endpoint (/discord/interactions on HTTP_PORT), no gateway login.
  DISCORD_PUBLIC_KEY: optional(
    z.string().regex(/^[0-9a-fA-F]{64}$/, { error: "use the 64 hex characters of PUBLIC KEY on the Developer Portal's General Information page" }),
  ),
  // Gateway shards in this process: "auto" (as many as Discord recommends) or a count; unset = one connection.
  DISCORD_SHARDS: optional(
    z.string().regex(/^(auto|[1-9]\d{0,3})$/, { error: "use auto or a shard count like 4" }),
  ),
  TELEGRAM_BOT_TOKEN: optional(
    z.string().regex(/^\d+:[\w-]{20,}$/, { error: "does not look like a Telegram bot token (123456:ABC…); copy it from @BotFather" }),
  ),
  // Chats, channels and forum topics (`<chat>:<topic id>`); each entry is checked on its own so the error names it.
  TELEGRAM_CHAT_IDS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((s) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean))
      .superRefine((ids, ctx) => {
        for (const id of ids) {
          const problem = telegramTargetProblem(id);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }
      }),
  ),
  TELEGRAM_ADMIN_IDS: list(/^\d+$/, "use numeric Telegram user ids separated by commas"),
  TELEGRAM_API_ROOT: withDefault(httpUrl("use an http(s) URL like https://api.telegram.org"), "https://api.telegram.org"),
  HTTP_PORT: optional(
    z.coerce
      .number({ error: "use a TCP port number like 8080" })
      .int({ error: "use a TCP port number like 8080" })
      .min(1, { error: "use a TCP port number between 1 and 65535, like 8080" })
      .max(65535, { error: "use a TCP port number between 1 and 65535, like 8080" }),
  ),
  HTTP_HOST: withDefault(
    z.string().regex(/^[\w.:[\]-]+$/, { error: "use an address to listen on, like 127.0.0.1 or 0.0.0.0" }),
    "127.0.0.1",
  ),
  TELEGRAM_WEBHOOK_URL: optional(
    z
      .string()
      .refine((s) => /^https:\/\/[^\s/]+(\/[^\s]*)?$/i.test(s), {
        message: "use the public https URL Telegram should post updates to, like https://bot.example.com/telegram",
      }),
  ),
  TELEGRAM_WEBHOOK_SECRET: optional(
    z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, {
      error: "use 16 to 256 characters of A-Z, a-z, 0-9, _ and - (e.g. the output of `openssl rand -hex 32`)",
    }),
  ),
});

export type Config = z.infer<typeof ConfigSchema>;

/**
 * A Telegram delivery target: a chat (`-1001234567890`, `12345`, `@channel`), or a forum topic in a supergroup as
 * `<chat>:<topic id>` (`-1001234567890:45`). Topic ids are written without leading zeros, so one topic has one id.
 */
export const TELEGRAM_TARGET_ID = /^(@\w{4,}|-?\d+)(?::([1-9]\d*))?$/;

/**
 * What is wrong with a Telegram target id, or undefined when it is one. The General topic (thread 1) is the chat
 * itself: Telegram refuses `message_thread_id` 1 ("message thread not found"), so `<chat>:1` is refused here.
 *
 * @example
 * telegramTargetProblem("-1001234567890:45"); // undefined
 * telegramTargetProblem("-1001234567890:1");  // '"-1001234567890:1" is the General topic, which is the chat itself; write -1001234567890'
 */
export function telegramTargetProblem(id: string): string | undefined {
  const m = TELEGRAM_TARGET_ID.exec(id);
  if (m && m[2] === "1") return `"${id}" is the General topic, which is the chat itself; write ${m[1]}`;
  if (m) return undefined;
  return `"${id}" is not a chat or topic id; use chat ids (-100…, 12345), channel usernames (@name) or forum topics as <chat>:<topic id> (-1001234567890:45)`;
}

/** Names of settings whose values must never be printed. */
export const SECRET_SETTINGS = ["DISCORD_TOKEN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DATABASE_URL"] as const;

/** Path settings whose defaults are relative to the package folder (a value you set is relative to the cwd). */
const PATH_SETTINGS = ["DIGEST_DIR", "DATA_DIR"] as const;

/** A settings value shown in an error is masked like every other text that may hold a token (safety/scrub.ts). */
export { maskTokens };

/** Paths the operator HTTP endpoint answers GET on (src/http/http-server.ts); the webhook must not take one over. */
export const OPERATOR_HTTP_PATHS = ["/healthz", "/readyz", "/metrics", "/discord/interactions"] as const;

/** Settings that only work together; checked after each one is valid on its own. */
function crossProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
    problems.push("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL; set it to a random string (e.g. `openssl rand -hex 32`)");
  }
  if (config.TELEGRAM_WEBHOOK_SECRET && !config.TELEGRAM_WEBHOOK_URL) {
    problems.push("TELEGRAM_WEBHOOK_URL is required with TELEGRAM_WEBHOOK_SECRET; set it to the public https URL of the webhook, or unset both to poll");
  }
  if (config.TELEGRAM_WEBHOOK_URL && config.HTTP_PORT === undefined) {
    problems.push("HTTP_PORT is required with TELEGRAM_WEBHOOK_URL; the webhook is served on it (e.g. HTTP_PORT=8080 behind your https proxy)");
  }
  if (config.DISCORD_PUBLIC_KEY && config.HTTP_PORT === undefined) {
    problems.push("HTTP_PORT is required with DISCORD_PUBLIC_KEY; /discord/interactions is served on it (e.g. HTTP_PORT=8080 behind your https proxy)");
  }
  if (config.DISCORD_PUBLIC_KEY && !config.DISCORD_TOKEN) {
    problems.push("DISCORD_TOKEN is required with DISCORD_PUBLIC_KEY; replies, follow-ups and deliveries still use the bot token");
  }
  if (config.DISCORD_PUBLIC_KEY && config.DISCORD_SHARDS) {
    problems.push("DISCORD_SHARDS does nothing with DISCORD_PUBLIC_KEY (HTTP interactions use no gateway); unset one of them");
  }
  const hookPath = config.TELEGRAM_WEBHOOK_URL ? new URL(config.TELEGRAM_WEBHOOK_URL).pathname : undefined;
  if (hookPath && (OPERATOR_HTTP_PATHS as readonly string[]).includes(hookPath)) {
    problems.push(
      `TELEGRAM_WEBHOOK_URL has the path ${hookPath}, which the HTTP endpoint serves itself; use another path, like https://bot.example.com/hooks/telegram`,
    );
  }
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_BOT_TOKEN) {
    problems.push("TELEGRAM_BOT_TOKEN is required with TELEGRAM_WEBHOOK_URL; set the bot token or unset the webhook settings");
  }
  return problems;
}

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
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) {
    const problems = crossProblems(result.data);
    if (problems.length > 0) throw new ConfigError(problems);
    const config = { ...result.data };
    for (const name of PATH_SETTINGS) {
      // Defaults live in the package (started from / it must not create /data/state); a value set resolves in the cwd.
      const set = unsetIfEmpty(env[name]) !== undefined;
      if (!isAbsolute(config[name])) config[name] = resolve(set ? cwd : packageRoot().root, config[name]);
    }
    return config;
  }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "settings");
    const raw = env[name];
    const shown = (SECRET_SETTINGS as readonly string[]).includes(name) || raw === undefined ? "" : ` (got "${maskTokens(raw)}")`;
    return `${name}${shown} ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/**
 * Reads `.env` (or the file in `DIGEST_BOT_ENV_FILE`) from `cwd` if present (the real environment wins), then parses.
 * Call once at start; pass the result down instead of reading `process.env` elsewhere.
 */
export function loadConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  // DIGEST_BOT_ENV_FILE names another file (`/dev/null` reads none): tests run in a checkout whose .env holds real tokens.
  const file = resolve(cwd, env.DIGEST_BOT_ENV_FILE?.trim() || ".env");
  let fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    try {
      fromFile = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
    } catch (err) {
      // A bare "EISDIR: illegal operation on a directory, read" would not say which file or what to do.
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError([`${file} cannot be read (${code}); make it a readable settings file (see .env.example) or remove it`]);
    }
  }
  return parseConfig({ ...fromFile, ...definedOnly(env) }, cwd);
}

/** Drops unset and empty variables so an empty real variable does not hide a value from .env. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""));
}
