// Deterministic generator of a synthetic digest archive (3 years of daily digests, ~34k stories) built from the sample digest.
import { readFileSync } from "node:fs";
import type { Digest, Story } from "../src/core/digest/model.js";
import { makeStoryId } from "../src/core/digest/model.js";
import { parseDigest } from "../src/core/digest/parse-digest.js";

/**
 * How the archive is generated (same seed → byte-identical archive, on any machine):
 * - Days: `days` consecutive dates ending the day before the sample (2023-02-18 … 2026-02-17 by default).
 * - Each day keeps the sample's 7 section titles; each section gets 3–6 stories (uniform), ≈31 stories a day.
 * - Chinese text is real: clauses (split at ，。；：) of the sample's bodies and titles, drawn at random, so the
 *   Han bigram distribution is the publisher's. Each story also gets 1–2 invented Han names (2–3 characters
 *   drawn from the sample's character frequencies), so the Han vocabulary keeps growing over the years as news does.
 * - Every Latin word and number is replaced: names come from a pool of 4000 invented product names
 *   (consonant-vowel syllables, Zipf-distributed popularity, so popular names recur like `Claude` does),
 *   numbers and versions are re-drawn (`4.6` → `7.2`), so Latin vocabulary is large too.
 * - Titles are `Name Version：clause`; 1–4 link labels per story (`官方博客：Name`, `Reddit：Name 讨论`).
 * The PRNG is mulberry32.
 */
export interface SyntheticOptions {
  /** Path of the sample digest. */
  samplePath: string;
  /** Number of days; default 1096 (3 years). */
  days?: number;
  /** Last day; default the day before the sample's date. */
  endDate?: string;
  /** PRNG seed; default 20260218. */
  seed?: number;
}

/** A small seeded PRNG (mulberry32): the same sequence for the same seed, in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const CONSONANTS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "z", "qu", "th", "st", "br"];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "io", "ea"];
const LINK_LABELS = ["官方博客：{n}", "Reddit：{n} 讨论", "{n} 技术报告", "GitHub：{n}", "Hugging Face：{n}", "{n} 发布推文"];

/** Generates the synthetic digests, oldest first. */
export function generateSyntheticDigests(options: SyntheticOptions): Digest[] {
  const rand = mulberry32(options.seed ?? 20260218);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

  const { digest: sample } = parseDigest(readFileSync(options.samplePath, "utf8"), options.samplePath);
  const sectionTitles = sample.sections.map((s) => s.title);
  const sources = sample.sections.flatMap((s) => s.stories.flatMap((st) => [st.title, st.text]));
  const clauses = sources
    .flatMap((t) => t.split(/[，。；：！？\n]/u))
    .map((c) => c.trim())
    .filter((c) => c.length >= 4);
  const hanChars = Array.from(sources.join("")).filter((c) => /\p{Script=Han}/u.test(c));

  const syllable = () => pick(CONSONANTS) + pick(VOWELS);
  const names = Array.from({ length: 4000 }, () => {
    const word = Array.from({ length: int(2, 3) }, syllable).join("");
    return word[0]!.toUpperCase() + word.slice(1);
  });
  // Zipf-like popularity: index ~ n^(u) skews toward the start of the list.
  const name = () => names[Math.min(names.length - 1, Math.floor(Math.pow(names.length, rand())) - 1)]!;
  const version = () => (rand() < 0.5 ? `${int(1, 9)}.${int(0, 9)}` : String(int(2, 900)));
  const hanName = () => Array.from({ length: int(2, 3) }, () => pick(hanChars)).join("");
  const rewriteLatin = (text: string) =>
    text.replace(/[A-Za-z][A-Za-z0-9.\-‑]*|\d+(?:\.\d+)?/g, (m) => (/^\d/.test(m) ? version() : name()));

  const end = options.endDate ?? addDays(sample.date, -1);
  const days = options.days ?? 1096;
  const digests: Digest[] = [];
  for (let day = days - 1; day >= 0; day--) {
    const date = addDays(end, -day);
    const sections = sectionTitles.map((title, si) => {
      const stories: Story[] = Array.from({ length: int(3, 6) }, (_, ti) => {
        const lead = `${name()} ${version()}`;
        const body = Array.from({ length: int(5, 10) }, () => rewriteLatin(pick(clauses)));
        body.splice(int(0, body.length), 0, `${hanName()}${pick(["发布", "推出", "开源", "收购"])}${lead}`);
        if (rand() < 0.5) body.splice(int(0, body.length), 0, `${hanName()}团队表示`);
        const text = `${body.join("，")}。`;
        const links = Array.from({ length: int(1, 4) }, (_, k) => ({
          label: pick(LINK_LABELS).replace("{n}", k === 0 ? lead : name()),
          url: `https://example.com/${date}/${si}/${ti}/${k}`,
        }));
        return { id: makeStoryId(date, si, ti), title: `${lead}：${rewriteLatin(pick(clauses))}`, body: text, text, links };
      });
      return { title, stories };
    });
    digests.push({ date, sections });
  }
  return digests;
}
