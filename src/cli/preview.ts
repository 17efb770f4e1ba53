// `digest-bot preview [--date D] [--section S] [--platform console|discord|telegram] [--json] [--revision]`: prints exactly what a daily post (or a revision) would send.
import { checkStoragePaths } from "../core/storage-paths.js";
import { parseArgs } from "node:util";
import { readCommandArgs } from "./command-args.js";
import type { Logger } from "../core/logger.js";
import { join } from "node:path";
import { createArchive } from "../core/digest/archive.js";
import { openStoryIdStore, STORY_IDS_DIR } from "../core/digest/story-id-store.js";
import { LOCALES, loadConfig, type Config, type Locale } from "../core/config.js";
import { buildDailyPost, type DailyPost } from "../core/summaries.js";
import { planConsoleDailyPost } from "../console/console-publisher.js";
import { openStorage } from "../core/storage/open-storage.js";
import { previewRevisions, renderRevisionPreviews } from "./preview-revision.js";
import { createTerminalLogger } from "./terminal-logger.js";
import { selectDigest, SelectionError, type DigestSelection } from "./select-digest.js";
import { planDiscordDailyPost } from "../discord/discord-daily-post.js";
import { embedLength } from "../discord/discord-render.js";
import { DISCORD_MESSAGE_EMBED_TOTAL_LIMIT } from "../discord/discord-text.js";
import { planTelegramDailyPost } from "../telegram/telegram-daily.js";
import { TELEGRAM_MESSAGE_LIMIT, telegramTextLength } from "../telegram/telegram-html.js";

const PLATFORMS = ["console", "discord", "telegram"] as const;
type PreviewPlatform = (typeof PLATFORMS)[number];

const USAGE = `Usage: digest-bot preview [--date D] [--section S] [--platform console|discord|telegram] [--json]
       digest-bot preview --revision [--date D] [--target P:ID] [--json] [--bot-username U]

Prints the daily post exactly as it would be sent, message by message; sends nothing.
  --date D           the digest of this day (2026-02-18, 02-18, today, yesterday); default the latest
  --section S        only this section (agent, 安全, 2), as a subscription's filter would
  --platform P       console (default), discord or telegram
  --json             the request bodies: Discord message payloads, Telegram sendMessage parameters, console parts
  --locale zh|en     UI language of labels (default BOT_LOCALE)
  --bot-username U   Telegram: the bot's username, for full-story deep links
  --revision         compare the digest with what the ledger (in DATABASE_URL if set, else DATA_DIR) says was
                     delivered from it: per delivered post, which messages a revision would edit, send or delete;
                     sends and records nothing
  --target P:ID      with --revision: only this target (telegram:-100…, discord:123…)

Exit code: 0 printed, 1 no such digest, 2 bad usage.
`;

/** Where the command reads settings and writes; tests pass their own. */
export interface PreviewIo {
  config: Config;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: Date;
  logger?: Logger;
}

class UsageError extends Error {}

export async function run(args: string[]): Promise<number> {
  return runPreview(args, {
    config: loadConfig(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

export async function runPreview(args: string[], io: PreviewIo): Promise<number> {
  const parsed = readCommandArgs(io, "preview", USAGE, () => {
    const { values } = parseArgs({
      args,
      options: {
        date: { type: "string" },
        section: { type: "string" },
        platform: { type: "string", default: "console" },
        json: { type: "boolean", default: false },
        locale: { type: "string" },
        "bot-username": { type: "string" },
        revision: { type: "boolean", default: false },
        target: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (!(PLATFORMS as readonly string[]).includes(values.platform)) {
      throw new UsageError(`--platform must be console, discord or telegram, got "${values.platform}"`);
    }
    if (values.locale !== undefined && !(LOCALES as readonly string[]).includes(values.locale)) {
      throw new UsageError(`--locale must be zh or en, got "${values.locale}"`);
    }
    return { values };
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const { config } = io;
  const locale = (values.locale as Locale | undefined) ?? config.BOT_LOCALE;
  const logger = io.logger ?? createTerminalLogger(config);
  checkStoragePaths({ DIGEST_DIR: config.DIGEST_DIR });
  // The bot's story ids (read only: a running bot owns the files), so the posts' deep links match the bot's.
  const ids = openStoryIdStore({ dir: join(config.DATA_DIR, STORY_IDS_DIR), logger, readOnly: true });
  const archive = await createArchive({ dir: config.DIGEST_DIR, logger, watch: false, ids, timeZone: config.POST_TIMEZONE });
  try {
    let selection: DigestSelection;
    try {
      selection = selectDigest(archive, {
        date: values.date,
        section: values.section,
        now: io.now ?? new Date(),
        timeZone: config.POST_TIMEZONE,
        digestDir: config.DIGEST_DIR,
      });
    } catch (err) {
      if (!(err instanceof SelectionError)) throw err;
      io.stderr(`digest-bot preview: ${err.message}\n`);
      return err.exitCode;
    }
    const { digest, sectionIndex } = selection;
    if (values.revision) {
      const storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
      try {
        const previews = await previewRevisions(storage, digest, {
          locale,
          botUsername: values["bot-username"],
          target: values.target,
          now: io.now ?? new Date(),
          deadlineHours: config.DELIVERY_DEADLINE_HOURS,
          config,
        });
        io.stdout(values.json ? `${JSON.stringify(previews, null, 2)}\n` : renderRevisionPreviews(digest.date, previews));
      } finally {
        await storage.close();
      }
      return 0;
    }
    const filter = sectionIndex === undefined ? undefined : [sectionIndex];
    const post = buildDailyPost(digest, filter);
    const platform = values.platform as PreviewPlatform;
    const botUsername = values["bot-username"];
    io.stdout(renderPlan(post, platform, locale, values.json, botUsername));
    return 0;
  } finally {
    await archive.close();
  }
}

/** The plan of a post on one platform, as JSON request bodies or as readable text with a rule between messages. */
export function planFor(post: DailyPost, platform: PreviewPlatform, locale: Locale, botUsername?: string): unknown[] {
  if (platform === "discord") return planDiscordDailyPost(post, locale);
  if (platform === "telegram") return planTelegramDailyPost(post, botUsername ? { locale, botUsername } : { locale });
  return planConsoleDailyPost(post, locale);
}

function renderPlan(post: DailyPost, platform: PreviewPlatform, locale: Locale, json: boolean, botUsername?: string): string {
  const plan = planFor(post, platform, locale, botUsername);
  if (json) return `${JSON.stringify(plan, null, 2)}\n`;
  const out: string[] = [];
  plan.forEach((message, i) => {
    let body: string;
    let size: string;
    if (platform === "discord") {
      const payload = message as DiscordLike;
      body = discordText(payload);
      const chars = (payload.embeds ?? []).reduce((n, e) => n + embedLength(e), 0);
      size = `${payload.embeds?.length ?? 0} embeds, ${chars}/${DISCORD_MESSAGE_EMBED_TOTAL_LIMIT} embed chars`;
    } else if (platform === "telegram") {
      body = (message as { text: string }).text;
      size = `${telegramTextLength(body)}/${TELEGRAM_MESSAGE_LIMIT} chars as shown`;
    } else {
      body = (message as { text: string }).text;
      size = `${body.length} chars`;
    }
    out.push(`──── ${platform} message ${i + 1}/${plan.length} (${size}) ────`, body, "");
  });
  return out.join("\n");
}

interface DiscordLike {
  content?: string;
  embeds?: { title?: string; url?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } }[];
  components?: { components?: { label?: string; url?: string; custom_id?: string }[] }[];
}

/** A readable rendering of a Discord payload: embeds as headed blocks, fields as bullets, buttons at the end. */
function discordText(message: DiscordLike): string {
  const lines: string[] = [];
  if (message.content) lines.push(message.content);
  for (const embed of message.embeds ?? []) {
    if (embed.title) lines.push(`▌${embed.title}${embed.url ? ` <${embed.url}>` : ""}`);
    if (embed.description) lines.push(embed.description);
    for (const field of embed.fields ?? []) lines.push(`• ${field.name}`, `  ${field.value.replace(/\n/g, "\n  ")}`);
    if (embed.footer) lines.push(`(${embed.footer.text})`);
    lines.push("");
  }
  const buttons = (message.components ?? []).flatMap((row) => row.components ?? []).map((b) => `[${b.label ?? b.custom_id ?? ""}]`);
  if (buttons.length > 0) lines.push(buttons.join(" "));
  return lines.join("\n").trimEnd();
}
