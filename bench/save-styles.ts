// The ways a digest file gets saved in the wild, as file-system operations: shared by the watcher benchmark and tests.
import fs from "node:fs";
import path from "node:path";

/** One save style: `run` changes the tree under `dir` (using `outside`, a folder on the same file system, for moves). */
export interface SaveStyle {
  name: string;
  /** `i` makes each run's content different; returns the files that now hold new content (empty for removals). */
  run(dir: string, outside: string, i: number): string[];
}

/** A one-story digest whose story title carries `marker`, so a test can see which version is loaded. */
export function digestText(date: string, marker: string): string {
  return `# ${date}\n\n## News\n\n### Story ${marker}\n\nBody of ${marker}.\n`;
}

const target = (dir: string): string => path.join(dir, "2026-03-01.md");

/** Every style the archive must see within a second (issue 10 item 2). */
export const SAVE_STYLES: readonly SaveStyle[] = [
  {
    name: "in-place write",
    run(dir, _o, i) {
      fs.writeFileSync(target(dir), digestText("2026-03-01", `v${i}`));
      return [target(dir)];
    },
  },
  {
    // JetBrains "safe write", gedit, Sublime atomic_save: a temp file next to the target, renamed over it.
    name: "atomic rename",
    run(dir, _o, i) {
      const tmp = path.join(dir, "2026-03-01.md___jb_tmp___");
      fs.writeFileSync(tmp, digestText("2026-03-01", `v${i}`));
      fs.renameSync(tmp, target(dir));
      return [target(dir)];
    },
  },
  {
    // GNU sed -i: writes ./sedAbC123 and renames it over the file.
    name: "sed -i",
    run(dir, _o, i) {
      const tmp = path.join(dir, `sed${Math.random().toString(36).slice(2, 8)}`);
      fs.writeFileSync(tmp, digestText("2026-03-01", `v${i}`));
      fs.renameSync(tmp, target(dir));
      return [target(dir)];
    },
  },
  {
    // rsync (and git checkout): a hidden temp file `.name.XXXXXX`, renamed into place.
    name: "rsync temp+rename",
    run(dir, _o, i) {
      const tmp = path.join(dir, `.2026-03-01.md.${Math.random().toString(36).slice(2, 8)}`);
      fs.writeFileSync(tmp, digestText("2026-03-01", `v${i}`));
      fs.renameSync(tmp, target(dir));
      return [target(dir)];
    },
  },
  {
    name: "delete",
    run(dir) {
      fs.rmSync(target(dir), { force: true });
      return [];
    },
  },
  {
    name: "move in",
    run(dir, outside, i) {
      const from = path.join(outside, `2026-04-0${(i % 9) + 1}.md`);
      fs.writeFileSync(from, digestText(`2026-04-0${(i % 9) + 1}`, `moved${i}`));
      const to = path.join(dir, path.basename(from));
      fs.renameSync(from, to);
      return [to];
    },
  },
  {
    name: "move out",
    run(dir, outside) {
      fs.renameSync(target(dir), path.join(outside, "moved-out.md"));
      return [];
    },
  },
  {
    name: "new subdirectory then file",
    run(dir, _o, i) {
      const sub = path.join(dir, `sub-${i}`, "deeper");
      fs.mkdirSync(sub, { recursive: true });
      const file = path.join(sub, `2026-05-0${(i % 9) + 1}.md`);
      fs.writeFileSync(file, digestText(`2026-05-0${(i % 9) + 1}`, `sub${i}`));
      return [file];
    },
  },
  {
    // cp -r / rsync / git checkout of many files at once.
    name: "bulk copy (60 files)",
    run(dir, _o, i) {
      const files: string[] = [];
      for (let k = 0; k < 60; k++) {
        const day = new Date(Date.UTC(2025, 0, 1) + (i * 60 + k) * 86_400_000).toISOString().slice(0, 10);
        const file = path.join(dir, `${day}.md`);
        fs.writeFileSync(file, digestText(day, `bulk${i}`));
        files.push(file);
      }
      return files;
    },
  },
];

/** Whether a style replaces, deletes or moves the target file, so that it must exist (and be loaded) first. */
export function usesTarget(style: SaveStyle): boolean {
  return style.name === "delete" || style.name === "move out" || style.name.endsWith("rename") || style.name === "sed -i";
}

/** Puts the tree back in the state a style expects before it runs (the target exists, with `marker`). */
export function prepareFor(style: SaveStyle, dir: string, i: number): void {
  if (usesTarget(style)) fs.writeFileSync(target(dir), digestText("2026-03-01", `prep${i}`));
}

/** The title of the first story of `date` in a running archive, if it has that day. */
type TitleOf = (date: string) => string | undefined;

/** Whether the prepared target (`prepareFor(…, i)`) is loaded. */
export const showsPrepared = (titleOf: TitleOf, i: number): boolean => titleOf("2026-03-01") === `Story prep${i}`;

/** Whether the archive shows what run `i` of `style` saved (`files`, as `run` returned them): the new titles, or the target gone. */
export function showsRun(style: SaveStyle, titleOf: TitleOf, i: number, files: readonly string[]): boolean {
  if (style.name === "delete" || style.name === "move out") return titleOf("2026-03-01") === undefined;
  return files.every((f) => {
    const title = titleOf(path.basename(f, ".md"));
    return title !== undefined && title.endsWith(`${i}`) && !title.includes("prep");
  });
}
