// Plans a daily post as Discord messages: a header embed, one embed per section, a "Full story" button per story.
import { wellFormedPayload } from "../core/safety/well-formed.js";
import { Colors, type APIButtonComponent, type APIEmbed } from "discord.js";
import type { Locale } from "../core/config.js";
import { planMessages, splitAtSentences } from "../core/delivery/pack.js";
import { storyCount, t } from "../core/i18n.js";
import type { PostOptions } from "../core/delivery/post-options.js";
import type { DailyPost, StorySummary } from "../core/summaries.js";
import { DISCORD_SUPPRESS_NOTIFICATIONS, threadNameOf, type DiscordPlacement } from "./discord-placement.js";
import { embedLength, joinLinesToFit, toRows, type DiscordMessagePayload } from "./discord-render.js";
import {
  DISCORD_BUTTONS_PER_ROW,
  DISCORD_EMBED_DESCRIPTION_LIMIT,
  DISCORD_EMBED_TITLE_LIMIT,
  DISCORD_EMBEDS_PER_MESSAGE,
  DISCORD_MESSAGE_EMBED_TOTAL_LIMIT,
  DISCORD_ROWS_PER_MESSAGE,
  NO_MENTIONS,
  escapeText,
  escapeToFit,
  maskedLink,
  storyButton,
} from "./discord-text.js";

/** Room kept in each message for the footer added after packing (`2026-02-18 · 2/3`). */
const FOOTER_RESERVE = 40;
/** Longest story block before it is split at sentence ends (well under the description limit). */
const STORY_BLOCK_MAX = 3800;

/** What the packer moves around: rendered pieces of embeds. */
type Block =
  | { kind: "header"; title: string; description: string }
  | { kind: "heading"; title: string }
  | { kind: "story"; text: string; button?: APIButtonComponent };

interface Assembled {
  embeds: APIEmbed[];
  buttons: APIButtonComponent[];
}

/** Turns blocks into embeds: a heading starts an embed, stories fill its description, overflow continues untitled. */
function assemble(blocks: readonly Block[]): Assembled {
  const embeds: APIEmbed[] = [];
  const buttons: APIButtonComponent[] = [];
  let current: APIEmbed | undefined;
  let acceptsStories = false;
  for (const block of blocks) {
    if (block.kind === "header") {
      current = { color: Colors.Gold, title: block.title, description: block.description };
      embeds.push(current);
      acceptsStories = false;
    } else if (block.kind === "heading") {
      current = { color: Colors.Blurple, title: block.title };
      embeds.push(current);
      acceptsStories = true;
    } else {
      const joined = current?.description ? `${current.description}\n\n${block.text}` : block.text;
      if (current && acceptsStories && joined.length <= DISCORD_EMBED_DESCRIPTION_LIMIT) {
        current.description = joined;
      } else {
        current = { color: Colors.Blurple, description: block.text };
        embeds.push(current);
        acceptsStories = true;
      }
      if (block.button) buttons.push(block.button);
    }
  }
  return { embeds, buttons };
}

function fits(blocks: readonly Block[]): boolean {
  const { embeds, buttons } = assemble(blocks);
  const total = embeds.reduce((n, e) => n + embedLength(e), 0);
  return (
    embeds.length <= DISCORD_EMBEDS_PER_MESSAGE &&
    total + FOOTER_RESERVE <= DISCORD_MESSAGE_EMBED_TOTAL_LIMIT &&
    embeds.every((e) => (e.description?.length ?? 0) <= DISCORD_EMBED_DESCRIPTION_LIMIT) &&
    buttons.length <= DISCORD_BUTTONS_PER_ROW * DISCORD_ROWS_PER_MESSAGE
  );
}

function storyText(story: StorySummary, n: number): string {
  const title = `**${n}. ${escapeToFit(story.title, 300)}**`;
  const tail = [story.link ? maskedLink(story.link) : undefined, `\`${story.id}\``].filter(Boolean).join(" · ");
  // Never cut here: a story too long for one message is split at sentence ends by the packer instead.
  return [title, escapeText(story.summary), tail].filter(Boolean).join("\n");
}

/**
 * How many messages the post of a planned part has, from the footer the planner numbered it with
 * (`2026-02-18 · 2/3`; a post of one message has no count). The marker's `parts` when there is one.
 *
 * @example
 * partCountOf(planDiscordDailyPost(post, "en")[0]!); // 3
 */
export function partCountOf(payload: Pick<DiscordMessagePayload, "embeds" | "digest_placement">): number {
  if (payload.digest_placement) return payload.digest_placement.parts;
  const footer = payload.embeds.at(-1)?.footer?.text ?? "";
  const count = / · \d+\/(\d+)$/.exec(footer);
  return count ? Number(count[1]) : 1;
}

/**
 * The Discord messages of a daily post, in order. Pure. Each message has at most 10 embeds, 6000 embed
 * characters, descriptions ≤ 4096 and ≤ 25 "Full story" buttons; whole sections are packed into as few messages
 * as fit (the team packer, `planMessages`), a story is split only when it alone exceeds a message.
 *
 * Options: `thread`/`forum` mode puts the header in a message of its own (the thread starts from it, the forum
 * post opens with it) and marks each part with where it goes; `silent` sets SUPPRESS_NOTIFICATIONS on every
 * message; `pingRole` mentions that role in the header's content and allows exactly it (every other message, and
 * everything from digest text, allows nothing).
 *
 * @example
 * const messages = planDiscordDailyPost(buildDailyPost(digest), "zh", { mode: "thread", silent: true });
 * for (const body of messages) await rest.post(Routes.channelMessages(channelId), { body });
 */
export function planDiscordDailyPost(post: DailyPost, locale: Locale, options: PostOptions = {}): DiscordMessagePayload[] {
  const mode = options.mode === "thread" || options.mode === "forum" ? options.mode : undefined;
  const role = options.pingRole !== undefined && /^\d{1,20}$/.test(options.pingRole) ? options.pingRole : undefined;
  const header: Block = {
    kind: "header",
    title: escapeToFit(post.title ?? t(locale, "label.digest", { date: post.date }), DISCORD_EMBED_TITLE_LIMIT),
    // Whole lines up to the description limit, then "…": a digest of many sections must still be postable
    // (the packer refuses a header that does not fit, and the whole post with it).
    description: joinLinesToFit(
      post.header.map((s, i) => `${i + 1}. ${escapeToFit(s.title, 200)} — ${storyCount(locale, s.storyCount)}`),
      DISCORD_EMBED_DESCRIPTION_LIMIT,
    ),
  };
  const sections = post.sections.map((section) => ({
    heading: { kind: "heading", title: `${section.index + 1} · ${escapeToFit(section.title, DISCORD_EMBED_TITLE_LIMIT - 8)}` } as Block,
    stories: section.stories.map(
      (story, i): Block => ({
        kind: "story",
        text: storyText(story, i + 1),
        button: storyButton(story.id, `${t(locale, "label.fullStory")} · ${story.title}`),
      }),
    ),
  }));
  const messages = planMessages<Block>(
    { header, sections },
    {
      // In a thread or forum post the header stands alone: it is what the channel (or the post's opening) shows.
      fits: (blocks) => (mode && blocks.length > 1 && blocks[0]?.kind === "header" ? false : fits(blocks)),
      splitStory: (block) => {
        if (block.kind !== "story") return [block];
        // The button rides with the first piece, so a split story still has exactly one.
        return splitAtSentences(block.text, STORY_BLOCK_MAX).map((text, i) => ({
          kind: "story" as const,
          text,
          ...(i === 0 && block.button ? { button: block.button } : {}),
        }));
      },
    },
  );
  return messages.map((blocks, i) => wellFormedPayload(toMessage(blocks, i)));
  function toMessage(blocks: (typeof messages)[number], i: number): DiscordMessagePayload {
    const { embeds, buttons } = assemble(blocks);
    const last = embeds[embeds.length - 1];
    if (last) last.footer = { text: messages.length > 1 ? `${post.date} · ${i + 1}/${messages.length}` : post.date };
    const payload: DiscordMessagePayload = { embeds, components: toRows(buttons), allowed_mentions: { ...NO_MENTIONS, parse: [] } };
    if (i === 0 && role) {
      payload.content = `<@&${role}>`;
      payload.allowed_mentions = { parse: [], roles: [role] };
    }
    if (options.silent) payload.flags = DISCORD_SUPPRESS_NOTIFICATIONS;
    // Channel mode carries no marker: its payloads (and so their hashes) stay exactly as delivered before modes
    // existed, so revising an older post edits only what changed. Its part count is read from the footer instead.
    if (mode) {
      const placement: DiscordPlacement = { part: i, parts: messages.length, mode, threadName: threadNameOf(post.date, post.title) };
      if (i === 0 && mode === "forum") placement.sections = post.sections.map((s) => s.title);
      payload.digest_placement = placement;
    }
    return payload;
  }
}
