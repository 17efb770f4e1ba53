// The digest overview reply shared by /digest and /today.
import type { Digest } from "../../src/core/digest/model.js";
import type { Reply } from "../../src/core/reply.js";
import { hitsOf } from "./helpers.js";

export function overviewOf(digest: Digest): Reply {
  const reply: Reply = {
    type: "digest-overview",
    date: digest.date,
    sections: digest.sections.map((s, i) => ({ title: s.title, stories: hitsOf(digest, i) })),
  };
  if (digest.title) reply.title = digest.title;
  return reply;
}
