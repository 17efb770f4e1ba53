// The `section:` filter of a search, answered per matching story from the index's stored section title instead of an archive lookup.
import type { DigestArchive } from "../digest/archive.js";
import type { Digest } from "../digest/model.js";
import { matchSection } from "../section-match.js";

/** What a section name means in one digest: no section, a section whose title is unique there, or one that is not. */
type Wanted = { kind: "none" } | { kind: "title"; title: string } | { kind: "shared"; title: string; index: number };

const NONE: Wanted = { kind: "none" };

function meaningIn(digest: Digest, name: string): Wanted {
  const index = matchSection(digest, name);
  if (index === undefined) return NONE;
  const title = digest.sections[index]!.title;
  // Two sections of one digest with the same title: only the archive can tell which one a story is in.
  return digest.sections.filter((s) => s.title === title).length === 1 ? { kind: "title", title } : { kind: "shared", title, index };
}

/** A section filter in the form `StoryScorer` takes it (`ScoreOptions.sectionTitle` and `keep`). */
export interface SectionFilter {
  /** The title a story of this date (`YYYYMMDD`) must have as its section; `undefined` = no story of that date passes. */
  sectionTitle: (day: number) => string | undefined;
  /** The rest of the test, for a story whose section has that title: only a digest with two such sections asks the archive. */
  keep: (day: number, stored: Record<string, unknown>) => boolean;
  /** Whether `keep` has anything to ask on this date (two sections of the wanted title); otherwise the title decides. */
  keepOn: (day: number) => boolean;
}

/**
 * The `section: name` filters of searches over one archive. A story passes when it is in the section `name` means
 * in its digest (`matchSection`). The scorer compares the story's stored section title (the index holds exactly
 * the archive's digests) with the wanted one — an integer compare per matching story; only when that title is not
 * unique in the digest does `keep` look the story up in the archive. What a name means on each date is kept
 * across queries until that date changes (`forget`): a common word matches stories of every date, and working
 * the meaning out per date per query was most of the cost of the slowest queries.
 *
 * @example
 * const sections = new SectionFilters(archive);
 * sections.filter("安全").sectionTitle(20260218); // "政策、治理与安全"
 * archive.onChange((change) => sections.forget()); // a digest changed
 */
export class SectionFilters {
  private readonly byName = new Map<string, Map<number, Wanted>>();

  constructor(private readonly archive: DigestArchive) {}

  /** Drops what names mean (call on every archive change). */
  forget(): void {
    this.byName.clear();
  }

  filter(name: string): SectionFilter {
    let byDay = this.byName.get(name);
    if (!byDay) {
      // Bounded by the names users type.
      if (this.byName.size >= 64) this.byName.clear();
      byDay = new Map();
      this.byName.set(name, byDay);
    }
    const days = byDay;
    const wantedOn = (day: number): Wanted => {
      let wanted = days.get(day);
      if (!wanted) {
        const digest = this.archive.get(`${Math.floor(day / 10000)}-${String(Math.floor(day / 100) % 100).padStart(2, "0")}-${String(day % 100).padStart(2, "0")}`);
        wanted = digest ? meaningIn(digest, name) : NONE;
        days.set(day, wanted);
      }
      return wanted;
    };
    const archive = this.archive;
    return {
      sectionTitle: (day) => {
        const wanted = wantedOn(day);
        return wanted.kind === "none" ? undefined : wanted.title;
      },
      keepOn: (day) => wantedOn(day).kind === "shared",
      keep: (day, stored) => {
        const wanted = wantedOn(day);
        if (wanted.kind !== "shared") return wanted.kind === "title";
        return archive.findStory(String(stored.id))?.sectionIndex === wanted.index;
      },
    };
  }
}
