// V8 heap tuning for the resident bot (`digest-bot start`): old garbage is collected before it piles up as RSS.
import v8 from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full collection left alive, in percent. V8's own
 * factor (up to 4× for a heap whose collections are fast) let a bot whose digest was being edited grow from ~210 to
 * ~300 MiB of RSS at 3 years before its first full collection: each edit leaves the old version of the digest's
 * index entries behind (~1 MiB). 10 % keeps it within ~10 MiB of the live heap (`npm run bench:rss`: 235 MiB after
 * 100 edits, +8 %; 20 % gave 241 MiB, +12 %), for a full collection every ten edits or so (concurrent marking on
 * a helper thread; the main thread's pause is the compaction's).
 */
export const HEAP_GROWING_PERCENT = 10;

/**
 * Sets {@link HEAP_GROWING_PERCENT} unless node was started with `--heap-growing-percent` (which NODE_OPTIONS does
 * not accept). V8 reads it at each full collection, so setting it at run time takes effect.
 *
 * @example
 * tuneHeapForResidentBot(); // first thing in `digest-bot start`
 */
export function tuneHeapForResidentBot(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
