// Picks the digest and section that `--date` / `--section` name, for the CLI commands that take them.
import type { DigestArchive } from "../core/digest/archive.js";
import { DateInputError, resolveDate } from "../core/dates.js";
import type { Digest } from "../core/digest/model.js";
import { matchSection } from "../core/section-match.js";

/** A selection that cannot be made; `exitCode` 2 for bad input, 1 for a missing digest. */
export class SelectionError extends Error {
  override name = "SelectionError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface DigestSelection {
  digest: Digest;
  /** 0-based; undefined when no `--section` was given. */
  sectionIndex?: number;
}

/**
 * Resolves `--date` (default: the latest digest) and `--section` (loose names, as `/section` takes them).
 *
 * @example
 * const { digest, sectionIndex } = selectDigest(archive, { date: "02-18", section: "安全", now, timeZone, digestDir });
 */
export function selectDigest(
  archive: DigestArchive,
  options: { date?: string | undefined; section?: string | undefined; now: Date; timeZone: string; digestDir: string },
): DigestSelection {
  let digest: Digest | undefined;
  try {
    digest = options.date ? archive.get(resolveDate(options.date, options.now, options.timeZone)) : archive.latest();
  } catch (err) {
    if (err instanceof DateInputError) throw new SelectionError(err.message, 2);
    throw err;
  }
  if (!digest) {
    const loaded = archive.dates().join(", ") || "none";
    throw new SelectionError(
      options.date
        ? `there is no digest for ${options.date}; loaded: ${loaded}`
        : `no digest is loaded; put digest Markdown files into ${options.digestDir}`,
      1,
    );
  }
  if (options.section === undefined) return { digest };
  const sectionIndex = matchSection(digest, options.section);
  if (sectionIndex === undefined) {
    const names = digest.sections.map((s, i) => `${i + 1}. ${s.title}`).join(", ");
    throw new SelectionError(`the ${digest.date} digest has no section "${options.section}"; sections: ${names}`, 2);
  }
  return { digest, sectionIndex };
}
