// Settings: defaults, empty-as-unset, and error messages that name the variable and the fix without leaking secrets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, maskTokens, parseConfig } from "../../src/core/config.js";

const ROOT = join(import.meta.dirname, "../..");

describe("parseConfig", () => {
  it("gives the documented defaults with an empty environment", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      LOG_LEVEL: "info",
      DIGEST_DIR: join(ROOT, "data/digests"),
      DATA_DIR: join(ROOT, "data/state"),
      BOT_LOCALE: "zh",
      POST_CRON: "0 9 * * *",
      POST_TIMEZONE: "Asia/Shanghai",
      DELIVERY_DEADLINE_HOURS: 12,
      DISCORD_API_BASE: "https://discord.com/api",
      TELEGRAM_API_ROOT: "https://api.telegram.org",
      DISCORD_CHANNEL_IDS: [],
      TELEGRAM_CHAT_IDS: [],
      TELEGRAM_ADMIN_IDS: [],
    });
    expect(config.DISCORD_TOKEN).toBeUndefined();
    expect(config.TELEGRAM_BOT_TOKEN).toBeUndefined();
  });

  it("treats an empty or blank variable as unset", () => {
    const config = parseConfig({ POST_CRON: "", BOT_LOCALE: "  ", DISCORD_TOKEN: "" });
    expect(config.POST_CRON).toBe("0 9 * * *");
    expect(config.BOT_LOCALE).toBe("zh");
    expect(config.DISCORD_TOKEN).toBeUndefined();
  });

  it("splits id lists and trims a trailing slash from API roots", () => {
    const config = parseConfig({
      DISCORD_CHANNEL_IDS: "123456789012, 223456789012",
      TELEGRAM_CHAT_IDS: "-1001234567890,@ai_digest",
      TELEGRAM_API_ROOT: "http://127.0.0.1:9000/",
    });
    expect(config.DISCORD_CHANNEL_IDS).toEqual(["123456789012", "223456789012"]);
    expect(config.TELEGRAM_CHAT_IDS).toEqual(["-1001234567890", "@ai_digest"]);
    expect(config.TELEGRAM_API_ROOT).toBe("http://127.0.0.1:9000");
  });

  it("names each bad variable, the bad value and the fix", () => {
    let error: unknown;
    try {
      parseConfig({ POST_TIMEZONE: "Mars/Base", POST_CRON: "every morning", BOT_LOCALE: "fr", DELIVERY_DEADLINE_HOURS: "-1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        "Invalid settings:",
        '  - BOT_LOCALE (got "fr") use zh or en',
        '  - POST_CRON (got "every morning") is not a valid cron expression; use five fields like "0 9 * * *" (minute hour day month weekday)',
        '  - POST_TIMEZONE (got "Mars/Base") is not a known IANA time zone; use one like Asia/Shanghai or UTC',
        '  - DELIVERY_DEADLINE_HOURS (got "-1") use a number of hours above 0, like 12',
      ].join("\n"),
    );
  });

  it("WATCH_LIMIT (personal alerts per user) defaults to 10 and refuses what is not a whole number from 1 to 100", () => {
    expect(parseConfig({ DIGEST_DIR: "test/fixtures/sample" }).WATCH_LIMIT).toBe(10);
    expect(parseConfig({ WATCH_LIMIT: "25" }).WATCH_LIMIT).toBe(25);
    expect(() => parseConfig({ WATCH_LIMIT: "0" })).toThrowError('WATCH_LIMIT (got "0") use 1 or more watches per user, like 10');
    expect(() => parseConfig({ WATCH_LIMIT: "2.5" })).toThrowError('WATCH_LIMIT (got "2.5") use a whole number of watches per user like 10');
    expect(() => parseConfig({ WATCH_LIMIT: "many" })).toThrowError('WATCH_LIMIT (got "many") use a whole number of watches per user like 10');
    expect(() => parseConfig({ WATCH_LIMIT: "1000" })).toThrowError(
      'WATCH_LIMIT (got "1000") use at most 100 watches per user (each is searched on every new digest), like 10',
    );
  });

  it("reads the delivery options' defaults (#13) and names a bad one with the fix", () => {
    expect(parseConfig({ DIGEST_DIR: "test/fixtures/sample" })).toMatchObject({ DELIVERY_SILENT: false, DELIVERY_PIN: false, DELIVERY_KEYWORDS: [], TELEGRAM_LINK_PREVIEW: false });
    const config = parseConfig({ DELIVERY_SILENT: "true", DELIVERY_KEYWORDS: "agent，安全, glm-5", DISCORD_POST_MODE: "forum", DISCORD_PING_ROLE_ID: "<@&123456789012>" });
    expect(config).toMatchObject({ DELIVERY_SILENT: true, DELIVERY_KEYWORDS: ["agent", "安全", "glm-5"], DISCORD_POST_MODE: "forum", DISCORD_PING_ROLE_ID: "123456789012" });
    expect(() => parseConfig({ DELIVERY_PIN: "yes", DISCORD_POST_MODE: "threads", DISCORD_PING_ROLE_ID: "@everyone", DELIVERY_KEYWORDS: "agent, " + "长".repeat(101) })).toThrowError(
      [
        "Invalid settings:",
        '  - DELIVERY_PIN (got "yes") use true or false (true to pin each day\'s header in settings targets (and unpin the previous one))',
        `  - DELIVERY_KEYWORDS (got "agent, ${"长".repeat(101)}") has a keyword over 100 characters; use short words or names separated by commas, like agent, 安全`,
        '  - DISCORD_POST_MODE (got "threads") use channel, thread or forum',
        '  - DISCORD_PING_ROLE_ID (got "@everyone") use the numeric id of a role (a snowflake; Server Settings → Roles → Copy Role ID)',
      ].join("\n"),
    );
  });

  it("refuses a DELIVERY_KEYWORDS keyword with nothing to search for, and counts characters, not UTF-16 units", () => {
    expect(() => parseConfig({ DELIVERY_KEYWORDS: "agent, !!!" })).toThrowError(
      'Invalid settings:\n  - DELIVERY_KEYWORDS (got "agent, !!!") has a keyword with no word to search for (only punctuation, symbols or emoji); use words or names, like agent, 安全',
    );
    // 60 astral Han characters (CJK Extension B) are 120 UTF-16 units but 60 characters: allowed, as /subscribe allows them.
    expect(parseConfig({ DELIVERY_KEYWORDS: "𠀀".repeat(60) }).DELIVERY_KEYWORDS).toEqual(["𠀀".repeat(60)]);
  });

  it("never repeats a token's value in the error", () => {
    const token = "not-a-telegram-token-but-secret";
    expect(() => parseConfig({ TELEGRAM_BOT_TOKEN: token })).toThrowError(
      "TELEGRAM_BOT_TOKEN does not look like a Telegram bot token (123456:ABC…); copy it from @BotFather",
    );
    try {
      parseConfig({ TELEGRAM_BOT_TOKEN: token, DISCORD_TOKEN: "short secret" });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(token);
      expect(String((e as Error).message)).not.toContain("short secret");
    }
  });
});

describe("DATABASE_URL", () => {
  it("is unset by default (SQLite in DATA_DIR) and takes a postgres:// or postgresql:// URL", () => {
    expect(parseConfig({}).DATABASE_URL).toBeUndefined();
    expect(parseConfig({ DATABASE_URL: "postgres://bot:pw@db:5432/digest" }).DATABASE_URL).toBe("postgres://bot:pw@db:5432/digest");
    expect(parseConfig({ DATABASE_URL: "postgresql://db/digest" }).DATABASE_URL).toBe("postgresql://db/digest");
  });

  it("refuses anything else with the fix, without printing the URL (it may hold a password)", () => {
    for (const bad of ["mysql://root:hunter2@db/x", "hunter2", "sqlite:data/state/digest-bot.sqlite"]) {
      const err = (() => {
        try {
          parseConfig({ DATABASE_URL: bad });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error("accepted");
      })();
      expect(err.problems).toEqual([
        "DATABASE_URL is not a PostgreSQL URL; use postgres://user:password@host:5432/database, or leave it empty for SQLite in DATA_DIR",
      ]);
    }
  });
});

describe("loadConfig", () => {
  it("reads a .env file but lets the real environment win", () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-config-"));
    try {
      writeFileSync(join(dir, ".env"), "BOT_LOCALE=en\nPOST_TIMEZONE=UTC\n");
      const env: NodeJS.ProcessEnv = { POST_TIMEZONE: "Europe/Berlin" };
      const config = loadConfig(dir, env);
      expect(config.BOT_LOCALE).toBe("en");
      expect(config.POST_TIMEZONE).toBe("Europe/Berlin");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("DIGEST_BOT_ENV_FILE", () => {
  it("reads the named file instead of .env; /dev/null reads none (the tests' guard against a checkout's real tokens)", () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-config-"));
    try {
      writeFileSync(join(dir, ".env"), "TELEGRAM_BOT_TOKEN=123456:AAHk3SECRETsecretSECRETsecret12\nBOT_LOCALE=en\n");
      writeFileSync(join(dir, "other.env"), "POST_TIMEZONE=UTC\n");
      expect(loadConfig(dir, {}).TELEGRAM_BOT_TOKEN).toBe("123456:AAHk3SECRETsecretSECRETsecret12");
      const other = loadConfig(dir, { DIGEST_BOT_ENV_FILE: "other.env" });
      expect([other.TELEGRAM_BOT_TOKEN, other.BOT_LOCALE, other.POST_TIMEZONE]).toEqual([undefined, "zh", "UTC"]);
      const none = loadConfig(dir, { DIGEST_BOT_ENV_FILE: "/dev/null" });
      expect([none.TELEGRAM_BOT_TOKEN, none.BOT_LOCALE]).toEqual([undefined, "zh"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("loadConfig with an unreadable .env", () => {
  it("names the file, the reason and the fix instead of a bare EISDIR", () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-config-"));
    try {
      mkdirSync(join(dir, ".env"));
      expect(() => loadConfig(dir, {})).toThrow(
        new ConfigError([`${join(dir, ".env")} cannot be read (EISDIR); make it a readable settings file (see .env.example) or remove it`]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("paths", () => {
  it("resolves the defaults in the package folder whatever the cwd, and a relative value set in the cwd", () => {
    expect(parseConfig({}, "/").DATA_DIR).toBe(join(ROOT, "data/state"));
    expect(parseConfig({}, "/").DIGEST_DIR).toBe(join(ROOT, "data/digests"));
    const config = parseConfig({ DATA_DIR: "state", DIGEST_DIR: "/srv/digests" }, "/var/lib/bot");
    expect(config.DATA_DIR).toBe("/var/lib/bot/state");
    expect(config.DIGEST_DIR).toBe("/srv/digests");
  });
});

describe("secrets pasted into the wrong setting", () => {
  const telegramToken = "7654321:AAHk3SECRETsecretSECRETsecret12";
  const discordToken = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRETsecretSECRETsecret-123";

  it("masks a Telegram token in TELEGRAM_ADMIN_IDS and a Discord token in DISCORD_CHANNEL_IDS", () => {
    let message = "";
    try {
      parseConfig({ TELEGRAM_ADMIN_IDS: telegramToken, DISCORD_CHANNEL_IDS: discordToken });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      [
        "Invalid settings:",
        '  - DISCORD_CHANNEL_IDS (got "[hidden]") use numeric channel ids separated by commas',
        '  - TELEGRAM_ADMIN_IDS (got "[hidden]") use numeric Telegram user ids separated by commas',
      ].join("\n"),
    );
    expect(message).not.toContain("SECRET");
  });

  it("keeps short, ordinary values readable", () => {
    expect(maskTokens("Mars/Base")).toBe("Mars/Base");
    expect(maskTokens("123, abc")).toBe("123, abc");
  });
});

describe("time zones", () => {
  it("refuses an ambiguous abbreviation with the zones it may mean", () => {
    expect(() => parseConfig({ POST_TIMEZONE: "CST" })).toThrow(
      'POST_TIMEZONE (got "CST") is an ambiguous abbreviation; use an IANA name such as Asia/Shanghai or America/Chicago or America/Havana',
    );
    expect(parseConfig({ POST_TIMEZONE: "Asia/Shanghai" }).POST_TIMEZONE).toBe("Asia/Shanghai");
  });
});

describe("HTTP and webhook settings", () => {
  const token = "987654:SECRET-config-test-token-abcdefgh";
  it("binds to 127.0.0.1 by default and is off without HTTP_PORT", () => {
    const config = parseConfig({});
    expect(config.HTTP_PORT).toBeUndefined();
    expect(config.HTTP_HOST).toBe("127.0.0.1");
    expect(parseConfig({ HTTP_PORT: "8080" }).HTTP_PORT).toBe(8080);
  });

  it("requires the webhook URL and secret together, with HTTP_PORT, and never prints the secret", () => {
    expect(() => parseConfig({ TELEGRAM_BOT_TOKEN: token, HTTP_PORT: "8080", TELEGRAM_WEBHOOK_URL: "https://bot.example.com/tg" })).toThrow(
      "TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL; set it to a random string (e.g. `openssl rand -hex 32`)",
    );
    expect(() => parseConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: "https://bot.example.com/tg", TELEGRAM_WEBHOOK_SECRET: "s".repeat(20) })).toThrow(
      "HTTP_PORT is required with TELEGRAM_WEBHOOK_URL; the webhook is served on it (e.g. HTTP_PORT=8080 behind your https proxy)",
    );
    let message = "";
    try {
      parseConfig({ TELEGRAM_WEBHOOK_SECRET: "bad secret with spaces!" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("TELEGRAM_WEBHOOK_SECRET use 16 to 256 characters");
    expect(message).not.toContain("bad secret");
    expect(() =>
      parseConfig({ TELEGRAM_BOT_TOKEN: token, HTTP_PORT: "8080", TELEGRAM_WEBHOOK_SECRET: "s".repeat(20), TELEGRAM_WEBHOOK_URL: "https://bot.example.com/healthz" }),
    ).toThrow(
      "TELEGRAM_WEBHOOK_URL has the path /healthz, which the HTTP endpoint serves itself; use another path, like https://bot.example.com/hooks/telegram",
    );
    expect(() => parseConfig({ TELEGRAM_WEBHOOK_URL: "http://bot.example.com/tg" })).toThrow(
      'TELEGRAM_WEBHOOK_URL (got "http://bot.example.com/tg") use the public https URL Telegram should post updates to, like https://bot.example.com/telegram',
    );
  });
});
