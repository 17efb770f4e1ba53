// Where one edge of MiniSearch's term tree ends in a saved term list: shared by the one-pass and the lazy tree builds.

/** One edge below a node: its label and the index just past the terms listed under it. */
export interface TermEdge {
  readonly label: string;
  readonly next: number;
}

/**
 * The edge that `terms[i]` starts below a node whose terms (`i`..`hi`) share their first `depth` code units:
 * the terms listed after it with the same next code unit (SearchableMap compares code units too) go under the same
 * edge, labelled with the code units they all share past `depth`. `terms[i]` must be longer than `depth`.
 */
export function measureTermEdge(terms: readonly string[], i: number, hi: number, depth: number): TermEdge {
  const term = terms[i] as string;
  const first = term.charCodeAt(depth);
  let end = term.length;
  let j = i + 1;
  for (; j < hi; j++) {
    const other = terms[j] as string;
    if (other.length <= depth || other.charCodeAt(depth) !== first) break;
    let k = depth + 1;
    const max = end < other.length ? end : other.length;
    while (k < max && other.charCodeAt(k) === term.charCodeAt(k)) k++;
    end = k;
  }
  return { label: term.slice(depth, end), next: j };
}
