// `digest-bot check FILE…`: validates digest files the way the bot will load them, for publishers and CI.
import fs from "node:fs";
import path from "node:path";
import { ARCHIVE_MAX_FILE_BYTES } from "../core/digest/archive.js";
import type { Digest } from "../core/digest/model.js";
import { type DigestExplanation, DigestParseError, type DigestWarning, parseDigest } from "../core/digest/parse-digest.js";

const USAGE = `Usage: digest-bot check FILE|DIR… [--json] [--explain]

Parses each digest file (a directory means every *.md in it) exactly as the bot loads it and prints,
per file, the date and the number of sections, stories and links, plus every warning.
  --json      print the parsed digests as JSON: [{ "file", "digest", "warnings" }, …]
  --explain   show how each file was read: the date and where it came from, sections → stories with their
              line numbers, kind and link counts, and what was left out and why
Exit code: 0 all files are valid, 1 a file is not (each problem printed as file:line: message), 2 bad usage.
`;

/** Where the command writes; tests pass their own sinks. */
export interface CheckIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

interface Checked {
  file: string;
  digest: Digest;
  warnings: DigestWarning[];
  explain?: DigestExplanation;
}

/** Expands directories to their `*.md` files (sorted), so `check data/digests` checks the whole archive. */
function expand(target: string): string[] {
  try {
    if (!fs.statSync(target).isDirectory()) return [target];
  } catch {
    return [target]; // reported when read
  }
  return fs
    .readdirSync(target, { recursive: true })
    .map(String)
    .filter((name) => /\.(md|markdown)$/i.test(name) && !name.split(path.sep).some((p) => p.startsWith(".")))
    .filter((name) => !/^readme\.(md|markdown)$/i.test(path.basename(name)))
    .sort()
    .map((name) => path.join(target, name));
}

export async function run(args: string[], io: CheckIo = process): Promise<number> {
  let json = false;
  let explain = false;
  const targets: string[] = [];
  for (const arg of args) {
    if (arg === "--json") json = true;
    else if (arg === "--explain") explain = true;
    else if (arg === "--help" || arg === "-h") {
      io.stdout.write(USAGE);
      return 0;
    } else if (arg.startsWith("--")) {
      io.stderr.write(`digest-bot check: unknown option "${arg}"\n\n${USAGE}`);
      return 2;
    } else targets.push(arg);
  }
  if (targets.length === 0) {
    io.stderr.write(`digest-bot check: name at least one digest file, e.g. digest-bot check data/digests/2026-02-18.md\n\n${USAGE}`);
    return 2;
  }

  const files = targets.flatMap(expand);
  const checked: Checked[] = [];
  const errors: string[] = [];
  const byDate = new Map<string, string>();
  for (const file of files) {
    let source: string;
    try {
      const size = fs.statSync(file).size;
      if (size > ARCHIVE_MAX_FILE_BYTES) {
        errors.push(`${file}:1: file is ${size} bytes, more than a digest may have (${ARCHIVE_MAX_FILE_BYTES}); the bot will not load it`);
        continue;
      }
      source = fs.readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      errors.push(`${file}:1: cannot read the file (${code === "ENOENT" ? "no such file" : (code ?? String(err))})`);
      continue;
    }
    try {
      const { digest, warnings, dateLine, explain: how } = parseDigest(source, file, { mtime: fs.statSync(file).mtime });
      const first = byDate.get(digest.date);
      if (first) {
        errors.push(`${file}:${dateLine}: date ${digest.date} is already used by ${first}; each digest needs its own date`);
        continue;
      }
      byDate.set(digest.date, file);
      checked.push({ file, digest, warnings, ...(explain ? { explain: how } : {}) });
    } catch (err) {
      if (!(err instanceof DigestParseError)) throw err;
      errors.push(err.message);
    }
  }
  if (files.length === 0) errors.push(`${targets.join(", ")}: no digest files (*.md) found`);

  if (json) io.stdout.write(`${JSON.stringify(checked.map(({ explain: _how, ...rest }) => rest), null, 2)}\n`);
  else {
    for (const { file, digest, warnings } of checked) {
      const stories = digest.sections.flatMap((s) => s.stories);
      const links = stories.reduce((n, s) => n + s.links.length, 0);
      io.stdout.write(
        `${file}: ${digest.date}, ${plural(digest.sections.length, "section")}, ${plural(stories.length, "story", "stories")}, ${plural(links, "link")}\n`,
      );
      const how = checked.find((c) => c.file === file)?.explain;
      if (how) io.stdout.write(renderExplanation(digest, how));
      for (const w of warnings) io.stdout.write(`  ${w.file}:${w.line}: warning: ${w.message}\n`);
    }
  }
  for (const line of errors) io.stderr.write(`${line}\n`);
  if (!json) {
    const bad = errors.length;
    io.stdout.write(bad === 0 ? `${plural(checked.length, "file")} OK\n` : `${plural(bad, "problem")} in ${plural(files.length, "file")}\n`);
  }
  return errors.length === 0 ? 0 : 1;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The `--explain` tree: where the date came from, sections → stories (line, kind, links), what was left out. */
function renderExplanation(digest: Digest, how: DigestExplanation): string {
  const lines = [`  date ${digest.date} from the ${how.dateSource}`];
  if (digest.title) lines.push(`  title: ${digest.title}`);
  for (const section of how.sections) {
    lines.push(`  ${String(section.line).padStart(5)}  ${section.title} (${plural(section.stories.length, "story", "stories")})`);
    for (const story of section.stories) {
      lines.push(`  ${String(story.line).padStart(5)}    - ${story.title} [${story.kind}, ${plural(story.links, "link")}]`);
    }
  }
  if (how.leftOut.length > 0) {
    lines.push("  left out:");
    for (const left of [...how.leftOut].sort((a, b) => a.line - b.line)) lines.push(`  ${String(left.line).padStart(5)}    ${left.what}: ${left.why}`);
  }
  return `${lines.join("\n")}\n`;
}
