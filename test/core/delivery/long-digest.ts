// A generated digest long enough to need several messages on every platform (fault tests, the delivery benchmark).

/** A digest long enough for several Telegram messages: `sectionCount` sections of 12 stories with long first sentences. */
export function longDigest(date: string, sectionCount = 4): string {
  const sections = Array.from({ length: sectionCount }, (_, s) => {
    const stories = Array.from(
      { length: 12 },
      (_, i) =>
        `### Story ${s + 1}.${i + 1} about models\n\nA fairly long first sentence about model number ${i} that goes on with detail after detail to fill the summary nicely. Then more.\n\n[Source](https://example.com/${s}/${i})\n`,
    );
    return `## Section ${s + 1}\n\n${stories.join("\n")}`;
  });
  return `# ${date}\n\n${sections.join("\n---\n\n")}`;
}

