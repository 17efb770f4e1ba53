// V8 heap tuning for the resident bot (`digest-bot start`): old garbage is collected before it piles up as RSS.
import v8 from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full collection left alive, in percent. V8's own
 * factor (up to 4× for a heap whose collections are fast) let a bot whose digest was being edited grow from ~210 to
 * ~300 MiB of RSS at 3 years before its first full collection: each edit leaves the old version of the digest's
 * index entries behind. 20 % keeps it within ~40 MiB of the live heap, for a full collection every few dozen
 * edits (concurrent marking; the pause is the compaction's, a few ms at 3 years).
 */
export const HEAP_GROWING_PERCENT = 20;

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
