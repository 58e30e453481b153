/** "1 thread", "4 threads": a count with its noun in the right number (English, regular plurals). */
export function countOf(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? noun : pluralNoun}`;
}
