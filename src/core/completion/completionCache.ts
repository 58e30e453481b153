/**
 * Remembers shown suggestions by the text around the cursor, so that returning to the
 * same place, or typing the start of a suggestion ("typed ahead"), is served without
 * asking the model.
 */
export interface CachedSuggestion {
  text: string;
  /** Where it came from: a model answer, or a speculative precomputation. */
  origin: "model" | "speculative";
}

interface Entry {
  uri: string;
  /** The end of the text before the cursor when the suggestion was made. */
  prefixTail: string;
  /** The rest of the line after the cursor (closing punctuation) at that time. */
  lineAfter: string;
  suggestion: CachedSuggestion;
}

export interface CacheHit {
  text: string;
  origin: CachedSuggestion["origin"];
  /** Characters of the suggestion the user has typed since. */
  typedAhead: number;
}

const TAIL = 512;

export class CompletionCache {
  private entries: Entry[] = [];

  constructor(private readonly capacity = 64) {}

  set(uri: string, textBeforeCursor: string, lineAfter: string, suggestion: CachedSuggestion): void {
    const prefixTail = textBeforeCursor.slice(-TAIL);
    this.entries = this.entries.filter((entry) => !(entry.uri === uri && entry.prefixTail === prefixTail && entry.lineAfter === lineAfter));
    this.entries.push({ uri, prefixTail, lineAfter, suggestion });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** The rest of a cached suggestion whose start the user may have typed already. */
  get(uri: string, textBeforeCursor: string, lineAfter: string): CacheHit | undefined {
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const entry = this.entries[index];
      if (entry.uri !== uri || entry.lineAfter !== lineAfter) continue;
      const typed = typedSince(entry, textBeforeCursor);
      if (typed === undefined || typed >= entry.suggestion.text.length) continue;
      // Most recently used last.
      this.entries.splice(index, 1);
      this.entries.push(entry);
      return { text: entry.suggestion.text.slice(typed), origin: entry.suggestion.origin, typedAhead: typed };
    }
    return undefined;
  }

  /** Forgets everything for a document (closed, or changed far from the cursor). */
  clear(uri?: string): void {
    this.entries = uri ? this.entries.filter((entry) => entry.uri !== uri) : [];
  }

  get size(): number {
    return this.entries.length;
  }
}

/** How many characters of the suggestion follow the cached prefix in the current text, if it matches. */
function typedSince(entry: Entry, textBeforeCursor: string): number | undefined {
  const { prefixTail } = entry;
  const suggestion = entry.suggestion.text;
  const window = textBeforeCursor.slice(-(prefixTail.length + suggestion.length));
  for (let at = window.lastIndexOf(prefixTail); at >= 0; at = at === 0 ? -1 : window.lastIndexOf(prefixTail, at - 1)) {
    const typed = window.slice(at + prefixTail.length);
    if (suggestion.startsWith(typed) && textBeforeCursor.endsWith(prefixTail + typed)) return typed.length;
  }
  return undefined;
}
