// The platform-neutral message planner: packs a header and sections of stories into as few messages as a platform's limits allow.

/** Sentence ends where an oversized story may be split (fullwidth and ASCII). */
export const SENTENCE_ENDS = "。！？.!?";

/** What to pack: blocks a platform already rendered (HTML strings, embed fields, …), in reading order. */
export interface PackInput<B> {
  /** Goes first, always whole (date, section list). */
  header: B;
  sections: PackSection<B>[];
}

export interface PackSection<B> {
  /** The section heading; never left alone at the end of a message. */
  heading: B;
  /** One block per story, in order. */
  stories: B[];
}

/** How a platform measures and splits; see {@link planMessages}. */
export interface PackOptions<B> {
  /**
   * True when these blocks, in this order, make one valid message on the platform
   * (Telegram: joined HTML ≤ 4096 chars; Discord: ≤ 10 embeds, ≤ 25 fields, ≤ 6000 total, …).
   * Called often with growing prefixes; keep it cheap.
   */
  fits(blocks: readonly B[]): boolean;
  /**
   * Splits a story that does not fit in a message of its own into pieces, in order, each of which fits alone.
   * Use {@link splitAtSentences} for text. Without it, an oversized story is an error.
   */
  splitStory?(story: B): B[];
  /**
   * Optional heading for a message that continues a section (e.g. "Models (cont.)"); default: none.
   * Return undefined to not repeat the heading.
   */
  continuedHeading?(heading: B): B | undefined;
}

/** Thrown when a block cannot be made to fit; the message says which and how to fix the platform planner. */
export class PackError extends Error {
  override name = "PackError";
}

/**
 * Packs a daily post into messages. Rules:
 * - the header goes first;
 * - whole sections go into as few messages as fit; a section that does not fit in the current message
 *   but fits in a fresh one starts a new message;
 * - a section larger than one message is packed story by story; its heading always travels with its first story;
 * - a story is never split across messages unless it alone exceeds a message; then `splitStory` cuts it
 *   (at sentence ends) and the pieces are packed in order.
 *
 * Pure and platform-neutral: the platform renders blocks and says what fits.
 *
 * @example
 * // Telegram: blocks are HTML strings, a message is the blocks joined by blank lines.
 * const messages = planMessages(
 *   { header: "<b>AI 日报 2026-02-18</b>", sections: [{ heading: "<b>模型</b>", stories: ["<b>GLM‑5</b> …"] }] },
 *   {
 *     fits: (blocks) => blocks.join("\n\n").length <= 4096,
 *     splitStory: (story) => splitAtSentences(story, 4000),
 *   },
 * );
 * messages.map((blocks) => blocks.join("\n\n")); // the texts to send, in order
 */
export function planMessages<B>(input: PackInput<B>, options: PackOptions<B>): B[][] {
  const { fits } = options;
  const messages: B[][] = [];
  let current: B[] = [];
  const flush = () => {
    if (current.length > 0) messages.push(current);
    current = [];
  };
  const fitsWith = (extra: readonly B[]) => fits([...current, ...extra]);

  if (!fits([input.header])) throw new PackError("planMessages: the header alone does not fit in one message; shorten it");
  current.push(input.header);

  for (const section of input.sections) {
    const whole = [section.heading, ...section.stories];
    if (fitsWith(whole)) {
      current.push(...whole);
      continue;
    }
    if (fits(whole)) {
      flush();
      current.push(...whole);
      continue;
    }
    // The section is larger than one message: pack it story by story, filling the current message first.
    if (!fits([section.heading])) {
      throw new PackError("planMessages: a section heading alone does not fit in one message; shorten it");
    }
    let headingPending = true;
    for (const story of section.stories) {
      const lead: B[] = headingPending ? [section.heading] : [];
      if (fitsWith([...lead, story])) {
        current.push(...lead, story);
        headingPending = false;
        continue;
      }
      const fresh = headingPending ? [section.heading] : continuation(section.heading, options);
      if (fits([...fresh, story])) {
        flush();
        current.push(...fresh, story);
        headingPending = false;
        continue;
      }
      if (fits([story])) {
        // Fits alone but not after its heading: the heading gets a message of its own rather than splitting the story.
        flush();
        if (headingPending) messages.push([section.heading]);
        current.push(story);
        headingPending = false;
        continue;
      }
      // The story alone is too big: split it and pack the pieces in order.
      if (!options.splitStory) {
        throw new PackError("planMessages: a story does not fit in one message and no splitStory was given");
      }
      const pieces = options.splitStory(story);
      for (const piece of pieces) {
        const pieceLead: B[] = headingPending ? [section.heading] : [];
        if (fitsWith([...pieceLead, piece])) {
          current.push(...pieceLead, piece);
          headingPending = false;
          continue;
        }
        const pieceFresh = headingPending ? [section.heading] : continuation(section.heading, options);
        if (fits([...pieceFresh, piece])) {
          flush();
          current.push(...pieceFresh, piece);
        } else if (fits([piece])) {
          flush();
          if (headingPending) messages.push([section.heading]);
          current.push(piece);
        } else {
          throw new PackError("planMessages: splitStory returned a piece that does not fit in one message; split smaller");
        }
        headingPending = false;
      }
    }
  }
  flush();
  return messages;
}

function continuation<B>(heading: B, options: PackOptions<B>): B[] {
  const repeated = options.continuedHeading?.(heading);
  return repeated === undefined ? [] : [repeated];
}

/**
 * Splits text into pieces of at most `maxLength` (as measured by `measure`, default UTF-16 length),
 * cutting after sentence ends (`。！？.!?`, with any closing quotes/brackets). A single sentence longer than
 * `maxLength` is cut at a space or between CJK characters, never inside a Latin word or a surrogate pair.
 * Joining the pieces with "" gives back the text.
 *
 * @example
 * splitAtSentences("第一句。第二句！Third one.", 6); // ["第一句。", "第二句！", "Third ", "one."]
 */
export function splitAtSentences(text: string, maxLength: number, measure: (s: string) => number = (s) => s.length): string[] {
  if (maxLength < 2) throw new PackError("splitAtSentences: maxLength must be at least 2");
  const sentences = sentencesOf(text);
  const pieces: string[] = [];
  let current = "";
  for (const sentence of sentences) {
    if (measure(current + sentence) <= maxLength) {
      current += sentence;
      continue;
    }
    if (current) pieces.push(current);
    current = "";
    if (measure(sentence) <= maxLength) {
      current = sentence;
      continue;
    }
    const cut = cutLongSentence(sentence, maxLength, measure);
    pieces.push(...cut.slice(0, -1));
    current = cut[cut.length - 1] ?? "";
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The text cut after each sentence end; the pieces concatenate back to the text. */
function sentencesOf(text: string): string[] {
  const out: string[] = [];
  const re = /[。！？!?]+[”’」』）)"']*|\.+[”’」』）)"']*(?=\s|$)/g;
  let start = 0;
  for (const m of text.matchAll(re)) {
    let end = m.index + m[0].length;
    // Keep the whitespace after a sentence with it, so the next piece starts with a word.
    while (end < text.length && /\s/.test(text[end]!)) end++;
    out.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function cutLongSentence(sentence: string, maxLength: number, measure: (s: string) => number): string[] {
  const chars = Array.from(sentence);
  const out: string[] = [];
  let from = 0;
  while (from < chars.length) {
    // Longest prefix that fits.
    let to = from;
    while (to < chars.length && measure(chars.slice(from, to + 1).join("")) <= maxLength) to++;
    if (to === chars.length) {
      out.push(chars.slice(from).join(""));
      break;
    }
    if (to === from) throw new PackError("splitAtSentences: a single character does not fit; raise maxLength");
    let at = to;
    for (let i = to; i > from + (to - from) / 2; i--) {
      if (isBreak(chars[i - 1]!, chars[i]!)) {
        at = i;
        break;
      }
    }
    out.push(chars.slice(from, at).join(""));
    from = at;
  }
  return out;
}

/** A break is allowed after a space or between two characters that are not both ASCII letters/digits. */
function isBreak(before: string, after: string): boolean {
  if (/\s/.test(before)) return true;
  const latin = /[A-Za-z0-9]/;
  return !(latin.test(before) && latin.test(after));
}
