// An independent checker of Telegram's `parse_mode: "HTML"` rules, used by the harness and the renderer tests.
// Written from the Bot API docs (https://core.telegram.org/bots/api#html-style), not from our builder, so it can catch it.

/** Telegram counts at most this many characters after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Tags Telegram accepts, with the attributes each may carry. */
const ALLOWED: Record<string, readonly string[]> = {
  b: [],
  strong: [],
  i: [],
  em: [],
  u: [],
  ins: [],
  s: [],
  strike: [],
  del: [],
  span: ["class"],
  "tg-spoiler": [],
  a: ["href"],
  code: ["class"],
  pre: [],
  blockquote: ["expandable"],
  "tg-emoji": ["emoji-id"],
};

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

export interface HtmlCheck {
  /** Every rule broken; empty when Telegram would accept the text. */
  problems: string[];
  /** The text as the user sees it: tags removed, entities decoded. */
  plain: string;
}

/**
 * Checks `html` the way Telegram parses it: only allowed tags, balanced and properly nested, only the four named
 * entities and numeric ones, no bare `<`, `>` or `&`, links only to http(s), 1..4096 characters after parsing.
 */
export function checkTelegramHtml(html: string, limit = TELEGRAM_TEXT_LIMIT): HtmlCheck {
  const problems: string[] = [];
  const stack: string[] = [];
  let plain = "";
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === "<") {
      const end = html.indexOf(">", i);
      if (end < 0) {
        problems.push(`unclosed "<" at ${i}`);
        break;
      }
      const tag = html.slice(i + 1, end);
      const close = /^\/([a-z-]+)$/.exec(tag);
      const open = /^([a-z-]+)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*$/.exec(tag);
      if (close) {
        const name = close[1]!;
        const top = stack.pop();
        if (top !== name) problems.push(`</${name}> at ${i} closes <${top ?? "nothing"}>`);
      } else if (open) {
        const name = open[1]!;
        const allowed = ALLOWED[name];
        if (!allowed) problems.push(`tag <${name}> is not allowed (at ${i})`);
        const attrs = new Map<string, string>();
        for (const m of (open[2] ?? "").matchAll(/([a-z-]+)(?:="([^"]*)")?/g)) attrs.set(m[1]!, decode(m[2] ?? "", problems));
        for (const key of attrs.keys()) if (allowed && !allowed.includes(key)) problems.push(`attribute ${key} not allowed on <${name}>`);
        if (name === "a") {
          const href = attrs.get("href");
          if (!href || !/^https?:\/\/[^\s]+$/i.test(href)) problems.push(`link to "${href ?? ""}" is not an http(s) URL`);
        }
        if (name === "span" && attrs.get("class") !== "tg-spoiler") problems.push(`<span> needs class="tg-spoiler"`);
        if ((stack.includes("pre") && name !== "code") || stack.includes("code")) problems.push(`<${name}> inside <pre>/<code>`);
        if (stack.includes(name)) problems.push(`<${name}> nested in itself`);
        stack.push(name);
      } else {
        problems.push(`malformed tag "<${tag.slice(0, 40)}>" at ${i}`);
      }
      i = end + 1;
    } else if (ch === "&") {
      const m = /^&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);/.exec(html.slice(i, i + 12));
      if (!m) {
        problems.push(`bare "&" at ${i}`);
        plain += "&";
        i++;
        continue;
      }
      plain += decodeEntity(m[1]!, problems);
      i += m[0].length;
    } else if (ch === ">") {
      problems.push(`bare ">" at ${i}`);
      plain += ch;
      i++;
    } else {
      plain += ch;
      i++;
    }
  }
  if (stack.length) problems.push(`unclosed tags: ${stack.join(", ")}`);
  if (plain.trim() === "") problems.push("message text is empty");
  if (plain.length > limit) problems.push(`text is ${plain.length} characters after parsing; the limit is ${limit}`);
  return { problems, plain };
}

function decode(value: string, problems: string[]): string {
  return value.replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (_, e: string) => decodeEntity(e, problems));
}

function decodeEntity(e: string, problems: string[]): string {
  if (e.startsWith("#")) {
    const code = e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (code > 0x10ffff) {
      problems.push(`entity &${e}; is out of range`);
      return "";
    }
    return String.fromCodePoint(code);
  }
  const named = NAMED_ENTITIES[e];
  if (named === undefined) {
    problems.push(`entity &${e}; is not supported`);
    return "";
  }
  return named;
}
