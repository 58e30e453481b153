/**
 * Fuzzy name matching for `@` mentions: the query's characters in order, scored up
 * for exact and prefix matches, word starts (camelCase, snake_case) and adjacency.
 */

export function fuzzyScore(query: string, candidate: string): number {
  if (query === "") return 0;
  const needle = query.toLowerCase();
  const haystack = candidate.toLowerCase();
  if (haystack === needle) return 1000 + (candidate === query ? 1 : 0);
  if (haystack.startsWith(needle)) return 500 - candidate.length;
  let score = 0;
  let position = 0;
  let previous = -2;
  for (const char of needle) {
    const found = haystack.indexOf(char, position);
    if (found < 0) return -1;
    const wordStart = found === 0 || /[_\-.\s]/.test(candidate[found - 1]) || (/[A-Z]/.test(candidate[found]) && /[a-z]/.test(candidate[found - 1]));
    score += 1 + (wordStart ? 8 : 0) + (found === previous + 1 ? 5 : 0);
    previous = found;
    position = found + 1;
  }
  const contiguous = haystack.includes(needle) ? 100 : 0;
  return contiguous + score - candidate.length * 0.5;
}
