/**
 * Code from a chat reply, indented for the place it goes: the common indentation of
 * the block is removed and the target line's indentation is put in front of every line
 * after the first (the first line continues where the cursor is).
 */
export function reindentForInsertion(code: string, lineBeforeCursor: string, eol: "\n" | "\r\n" = "\n"): string {
  const lines = code.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  const common = commonIndent(lines);
  const targetIndent = /^[ \t]*/.exec(lineBeforeCursor)?.[0] ?? "";
  const result = lines.map((line, index) => {
    const body = line.trim() === "" ? "" : line.slice(common.length);
    return index === 0 || body === "" ? body : targetIndent + body;
  });
  return result.join(eol);
}

/** The longest whitespace prefix shared by every non-blank line. */
export function commonIndent(lines: readonly string[]): string {
  let common: string | undefined;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
    if (common === undefined) {
      common = indent;
      continue;
    }
    let i = 0;
    while (i < common.length && i < indent.length && common[i] === indent[i]) i += 1;
    common = common.slice(0, i);
  }
  return common ?? "";
}
