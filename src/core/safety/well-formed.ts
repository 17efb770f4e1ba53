// Text a platform accepts: no lone UTF-16 surrogates (invalid JSON for Discord and Telegram), no NUL characters.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone surrogates by U+FFFD and drops NUL; the length never grows, so a text planned within a limit
 * stays within it.
 *
 * @example
 * wellFormedText("a\uD800b\u0000c"); // "a\uFFFDbc"
 */
export function wellFormedText(text: string): string {
  // Almost every string is already well-formed; checking is much cheaper than two regex replaces.
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed() && !text.includes("\u0000")) return text;
  return text.replace(LONE_SURROGATE, "\uFFFD").replace(/\u0000/g, "");
}

/**
 * A copy of a payload (plain JSON data: objects, arrays, strings, numbers…) with every string made well-formed;
 * the last step of every renderer, so front-matter escapes (`"\ud800"`, `"\0"`) never reach a request body.
 */
export function wellFormedPayload<T>(value: T): T {
  if (typeof value === "string") return wellFormedText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => wellFormedPayload(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) out[key] = wellFormedPayload(v);
    return out as T;
  }
  return value;
}

/** True when {@link wellFormedText} leaves every string in the value as it is. */
function isWellFormedValue(value: unknown): boolean {
  if (typeof value === "string") return (value as unknown as { isWellFormed(): boolean }).isWellFormed() && !value.includes("\u0000");
  if (Array.isArray(value)) {
    for (const v of value) if (!isWellFormedValue(v)) return false;
    return true;
  }
  if (value !== null && typeof value === "object") {
    for (const key in value) if (Object.hasOwn(value, key) && !isWellFormedValue((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * {@link wellFormedPayload} for a payload the caller has just built and holds the only reference to: returned as
 * it is when every string in it is already well-formed (nearly always), else the well-formed copy. Copying every
 * object of a `/search` page's payload to find nothing to replace was a tenth of its render time.
 */
export function wellFormedFresh<T>(value: T): T {
  return isWellFormedValue(value) ? value : wellFormedPayload(value);
}
