// Masks anything that looks like a credential (bot tokens, Authorization header values) in text bound for logs, the ledger, a reply or a settings error.

/** What a masked credential is replaced by. */
export const REDACTED = "[redacted]";

const TOKEN_PATTERNS: readonly [RegExp, string][] = [
  // An Authorization header as a proxy or library may echo it: `Authorization: Bot …`, `"authorization":"Bearer …"`.
  [/(authorization["']?\s*[:=]\s*["']?)(?:(?:Bot|Bearer|Basic)\s+)?[^\s"',;}]+/gi, `$1${REDACTED}`],
  [/\b(Bot|Bearer)\s+[A-Za-z0-9._~+/=-]{20,}/g, `$1 ${REDACTED}`],
  // Telegram bot token `123456789:AA…` (also inside `/bot<token>/` URLs, and URL-encoded: `%3A`).
  [/\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}/gi, REDACTED],
  // Discord bot token: base64 user id . timestamp . HMAC.
  [/\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g, REDACTED],
];

/**
 * Wider shapes for a settings value echoed in an error, where nothing but the operator's own text is expected: a
 * secret pasted into the wrong setting may be a shortened token or any long key. Too wide for logs, where payload
 * hashes and ids of that length must stay readable.
 */
const SETTING_PATTERNS: readonly RegExp[] = [/\d{5,}:[\w-]{20,}/g, /[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}/g, /[A-Za-z0-9_\-+=]{32,}/g];

/**
 * Replaces every token-like string (and every given secret) by "[redacted]". The one scrub applied to send errors
 * before they are stored in the ledger or shown by `/status`, and to everything the logger writes.
 *
 * @example
 * scrubTokenLike("502 from proxy: Authorization: Bot MTQw.GfAk.xyz…"); // "502 from proxy: Authorization: [redacted]"
 */
export function scrubTokenLike(text: string, secrets: readonly string[] = []): string {
  return scrub(text, secrets, REDACTED, false);
}

/**
 * The scrub for a settings value shown in an error (`(got "…")`): the same shapes and, wider, anything key-like,
 * replaced by `[hidden]`, so a secret pasted into the wrong setting is not echoed.
 *
 * @example
 * maskTokens("7654321:AAHk3-secret-secret-secret"); // "[hidden]"
 */
export function maskTokens(text: string): string {
  return scrub(text, [], "[hidden]", true);
}

function scrub(text: string, secrets: readonly string[], mask: string, setting: boolean): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join(mask);
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement.replace(REDACTED, mask));
  if (setting) for (const pattern of SETTING_PATTERNS) out = out.replace(pattern, mask);
  return out;
}
