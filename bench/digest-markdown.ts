// Renders a synthetic digest as a Markdown file the parser reads back (for the archive benchmark's digest folder).
import type { Digest } from "../src/core/digest/model.js";

/** The digest as `# date`, `## section`, `### story` with body and a `链接：` line. */
export function digestMarkdown(d: Digest): string {
  return `# ${d.date}\n\n${d.sections
    .map((s) => `## ${s.title}\n\n${s.stories.map((st) => `### ${st.title}\n\n${st.body}\n\n链接：${st.links.map((l) => `[${l.label}](${l.url})`).join("｜")}\n`).join("\n")}`)
    .join("\n")}`;
}
