// Masks anything that looks like a credential (bot tokens, Authorization header values) in text bound for logs, the ledger or a reply.

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
 * Replaces every token-like string (and every given secret) by "[redacted]". The one scrub applied to send errors
 * before they are stored in the ledger or shown by `/status`, and to everything the logger writes.
 *
 * @example
 * scrubTokenLike("502 from proxy: Authorization: Bot MTQw.GfAk.xyz…"); // "502 from proxy: Authorization: [redacted]"
 */
export function scrubTokenLike(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join(REDACTED);
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
