/**
 * Splits a byte stream (stdin, a data file) into NDJSON lines without decoding it: a document's
 * text goes to `_bulk` as the bytes it arrived as. Lines come in batches, one per chunk read, so the
 * consumer awaits once per chunk rather than once per line; a line that spans chunks is joined.
 * Each line is a view into its chunk (no copy), without its `\n` or `\r\n`; blank lines are skipped.
 * Reading is pulled by the consumer's `for await`, so a consumer that waits (bulks in flight) stops
 * the reads: backpressure down to the pipe.
 */
const NL = 0x0a;
const CR = 0x0d;

export interface LineState {
  /**
   * When given, a last line without its `\n` lands here instead of being yielded: a writer that
   * was cut short leaves exactly such a line, and the archive reader must not load it.
   */
  unterminated?: Buffer;
}

export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  state?: LineState,
): AsyncGenerator<Buffer[]> {
  let carry: Buffer[] = [];
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const lines: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(NL);
    while (nl !== -1) {
      let line = chunk.subarray(start, nl);
      if (carry.length > 0) {
        carry.push(line);
        line = Buffer.concat(carry);
        carry = [];
      }
      pushLine(lines, line);
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (carry.length > 0) {
    const lines: Buffer[] = [];
    pushLine(lines, Buffer.concat(carry));
    if (lines.length > 0) {
      if (state) state.unterminated = lines[0];
      else yield lines;
    }
  }
}

function pushLine(lines: Buffer[], line: Buffer): void {
  let end = line.length;
  if (end > 0 && line[end - 1] === CR) end--;
  // Skip blank lines (only whitespace) cheaply: most lines start with `{`.
  if (end === 0) return;
  if (line[0] !== 0x7b && line.subarray(0, end).toString('latin1').trim() === '') return;
  lines.push(end === line.length ? line : line.subarray(0, end));
}
