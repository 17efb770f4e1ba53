// `tsx bench/render-bench.ts [--baseline DIR]`: µs per rendered `/search` results page and story, Discord / Telegram / text, paired with another checkout, and how Discord escaping grows with length.
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Reply } from "../src/core/reply.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string", default: "15" } } });

async function renderers(root: string) {
  const mod = <T>(path: string) => import(pathToFileURL(join(root, path)).href) as Promise<T>;
  const discord = await mod<typeof import("../src/discord/discord-render.js")>("src/discord/discord-render.ts");
  const telegram = await mod<typeof import("../src/telegram/telegram-render.js")>("src/telegram/telegram-render.ts");
  const text = await mod<typeof import("../src/core/render-text.js")>("src/core/render-text.ts");
  const discordText = await mod<typeof import("../src/discord/discord-text.js")>("src/discord/discord-text.ts");
  return {
    escapeText: discordText.escapeText,
    discord: (r: Reply) => discord.toDiscordPayload(r, "zh"),
    telegram: (r: Reply) => telegram.toTelegramMessage(r, "zh"),
    text: (r: Reply) => text.renderReplyText(r, "zh"),
  };
}

// Real story titles and sections (the synthetic archive's, drawn from the sample digest), as `/search` shows them.
const digests = generateSyntheticDigests({ samplePath: join(ROOT, "data/digests/2026-02-18.md"), days: 30 });
const stories = digests.flatMap((d) => d.sections.flatMap((s) => s.stories.map((st) => ({ st, date: d.date, section: s.title }))));
const hits = stories.map(({ st, date, section }) => ({ id: st.id, date, section, title: st.title }));
const pages: Reply[] = Array.from({ length: 20 }, (_, p) => ({
  type: "results",
  query: "模型",
  filters: {},
  hits: hits.slice(p * 10, p * 10 + 10),
  page: p + 1,
  pageCount: 40,
  total: 400,
}));
const storyReplies: Reply[] = stories.slice(0, 20).map(({ st, date, section }, i) => ({
  type: "story",
  story: { id: st.id, date, section, title: st.title, body: st.body, text: st.text, links: st.links },
  alsoMatching: hits.slice(i + 1, i + 6),
}));

const impls: [string, Awaited<ReturnType<typeof renderers>>][] = [["ours", await renderers(ROOT)]];
if (values.baseline) impls.push(["baseline", await renderers(resolve(values.baseline))]);
const cases: [string, Reply[]][] = [["results page", pages], ["story", storyReplies]];
const platforms = ["discord", "telegram", "text"] as const;
/** Per impl, case and platform: µs per render of each round (the round's mean over its replies × repeats). */
const times = new Map<string, number[]>();
const repeats = 20;
for (const [, impl] of impls) for (const [, replies] of cases) for (const p of platforms) for (const r of replies) impl[p](r);
for (let round = 0; round < Number(values.rounds); round++) {
  // Interleaved impl by impl within a round, so a busy machine slows both alike.
  for (const [label, replies] of cases) {
    for (const p of platforms) {
      for (const [name, impl] of impls) {
        const t = performance.now();
        for (let k = 0; k < repeats; k++) for (const r of replies) impl[p](r);
        const key = `${name}|${label}|${p}`;
        times.set(key, [...(times.get(key) ?? []), ((performance.now() - t) * 1000) / (repeats * replies.length)]);
      }
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores; median of ${values.rounds} rounds, µs per render.\n`);
for (const [label] of cases) {
  for (const p of platforms) {
    const cells = impls.map(([name]) => median(times.get(`${name}|${label}|${p}`)!));
    const ratio = cells.length > 1 ? `  (baseline / ours ${(cells[1]! / cells[0]!).toFixed(1)}×)` : "";
    process.stdout.write(`${`${label}, ${p}`.padEnd(24)} ${impls.map(([n], i) => `${n} ${cells[i]!.toFixed(1)} µs`).join("  ")}${ratio}\n`);
  }
}

/**
 * Growth with length on text without spaces (forced chunk cuts), as ratios within one run: escaping 16× the text
 * must stay well under quadratic (256×; bound at their geometric middle, 64×), and a 256 KB story must render about
 * as fast as a 64 KB one (only what fits is escaped; bound 2.5×). Fastest of 9 runs after a warm-up: a preempted run
 * only ever adds time, so the fastest is the work's own cost.
 */
function fastest(work: () => unknown): number {
  work();
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - t));
  }
  return best;
}
const { st: first, date: firstDate, section: firstSection } = stories[0]!;
const bare = (n: number): Reply => ({
  type: "story",
  story: { id: first.id, date: firstDate, section: firstSection, title: first.title, body: "x".repeat(n), text: "x".repeat(n), links: first.links },
  alsoMatching: [],
});
let over = 0;
for (const [name, impl] of impls) {
  const escaping = fastest(() => impl.escapeText("a_b*c".repeat(25_600))) / fastest(() => impl.escapeText("a_b*c".repeat(1_600)));
  const long = bare(256 * 1024);
  const short = bare(64 * 1024);
  const story = fastest(() => impl.discord(long)) / fastest(() => impl.discord(short));
  if (escaping >= 64 || story >= 2.5) over++;
  process.stdout.write(
    `growth, ${name}: escapeText 128 KB / 8 KB ${escaping.toFixed(1)}× (linear 16×, bound 64×); Discord story 256 KB / 64 KB ${story.toFixed(2)}× (bound 2.5×)\n`,
  );
}
process.exitCode = over > 0 ? 1 : 0;
