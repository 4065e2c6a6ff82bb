/**
 * `${VAR}` templating with the behaviour of gomodules.xyz/envsubst `EvalMap` (a fork of
 * drone/envsubst), which Stash uses to fill Tasks, Functions, hook containers and PVC templates.
 * The grammar is reproduced rule for rule because Task/Function YAML written for Stash relies on it:
 *
 * - only `${…}` forms are expanded; a plain `$VAR` stays literal text;
 * - `$$` is an escape for `$` (so `$${X}` renders `${X}`), and outside `${…}` a backslash before `\` or
 *   `/` is dropped (`\\` → `\`). Substituting the JSON text of an object therefore halves
 *   backslashes, exactly as Stash does: catalog regexes avoid `\` for this reason (`[.]`, not `\.`);
 * - `${v=d}` `${v:=d}` `${v:-d}` use the default only when `v` is unset (a set-but-empty value wins —
 *   gomodules drops the default whenever the key exists, whatever bash would do);
 * - `${#v}` (length in UTF-8 bytes), `${v^}` `${v^^}` `${v,}` `${v,,}`, `${v:n}` `${v:n:len}`,
 *   `${v#p}` `${v##p}` `${v%p}` `${v%%p}` (glob: `*` also crosses `/`, `?`, `[…]`),
 *   `${v/p/r}` `${v//p/r}` `${v/#p/r}` `${v/%p/r}` (literal text, not globs);
 * - a variable name may contain letters, digits, `_` and `-` (so `${v-d}` names "v-d");
 * - any referenced variable that is unset and has no default is an error. Unlike gomodules (which
 *   stops at the first), every such name is collected and reported at once.
 *
 * One deliberate difference: an *empty* default (`${X:=}`) is accepted for an unset X and yields "".
 * gomodules' code path rejects it, yet Stash's own hook containers use `${BACKUP_SESSION:=}` and
 * `${outputDir:=}` for values that are legitimately absent, so the intent is clearly "optional".
 */
import { StowageError } from '../errors.ts';

export type Variables = Readonly<Record<string, string>>;

type TemplateNode =
  | { kind: 'text'; value: string }
  | { kind: 'func'; op: string; name: string; args: TemplateNode[] }
  | { kind: 'list'; nodes: TemplateNode[] };

class BadSubstitution extends Error {}

// ---- scanner -------------------------------------------------------------------------------------

const MODE_IDENT = 1;
const MODE_LBRACK = 2;
const MODE_RBRACK = 4;
const MODE_ESCAPE = 8;

type Token = 'illegal' | 'eof' | 'ident' | 'lbrack' | 'rbrack';
type Accept = (ch: string, i: number) => boolean;

const acceptAny: Accept = () => true;
const acceptIdent: Accept = (ch) => /^[\p{L}\p{Nd}_-]$/u.test(ch);
const acceptColons: Accept = (ch) => ch === ':';
const acceptOneHash: Accept = (ch, i) => ch === '#' && i === 1;
const acceptNotClosing: Accept = (ch) => ch !== '}';
const acceptHashOp: Accept = (ch, i) => ch === '#' && i < 3;
const acceptPercentOp: Accept = (ch, i) => ch === '%' && i < 3;
const acceptDefaultOp: Accept = (ch, i) =>
  (i === 1 && ch === ':') || (i === 2 && (ch === '=' || ch === '-' || ch === '?' || ch === '+'));
const acceptReplaceOp: Accept = (ch, i) =>
  (i === 1 && ch === '/') || (i === 2 && (ch === '/' || ch === '#' || ch === '%'));
const acceptOneEqual: Accept = (ch, i) => i === 1 && ch === '=';
const acceptOneColon: Accept = (ch, i) => i === 1 && ch === ':';
const rejectColonClose: Accept = (ch) => ch !== ':' && ch !== '}';
const acceptSlash: Accept = (ch) => ch === '/';
const acceptNotSlash: Accept = (ch) => ch !== '/';
const acceptCasingOp: Accept = (ch, i) => (ch === ',' || ch === '^') && i < 3;

const EOF = '';

class Scanner {
  buf: string;
  pos = 0;
  start = 0;
  width = 0;
  mode = 0;
  accept: Accept = acceptAny;

  constructor(buf: string) {
    this.buf = buf;
  }

  read(): string {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return EOF;
    }
    const ch = String.fromCodePoint(this.buf.codePointAt(this.pos) ?? 0);
    this.width = ch.length;
    this.pos += this.width;
    return ch;
  }

  unread(): void {
    this.pos -= this.width;
  }

  peek(): string {
    const ch = this.read();
    this.unread();
    return ch;
  }

  /** Drops the escape character just read; the escaped character then counts as already read. */
  skip(): void {
    this.buf = this.buf.slice(0, this.pos - 1) + this.buf.slice(this.pos);
  }

  text(): string {
    return this.buf.slice(this.start, this.pos);
  }

  scan(): Token {
    this.start = this.pos;
    const ch = this.read();
    if (ch === EOF) return 'eof';
    if (this.isLbrack(ch)) return 'lbrack';
    if (this.mode & MODE_RBRACK && ch === '}') return 'rbrack';
    if (this.scanIdent(ch)) return 'ident';
    return 'illegal';
  }

  private scanIdent(first: string): boolean {
    if (!(this.mode & MODE_IDENT)) return false;
    if (this.isEscape(first)) this.skip();
    else if (!this.accept(first, this.pos - this.start)) return false;
    for (;;) {
      const ch = this.read();
      if (ch === EOF) {
        this.unread();
        return true;
      }
      if (this.isLbrack(ch)) {
        this.unread();
        this.unread();
        return true;
      }
      if (this.isEscape(ch)) {
        this.skip();
        continue;
      }
      if (!this.accept(ch, this.pos - this.start)) {
        this.unread();
        return true;
      }
    }
  }

  private isLbrack(ch: string): boolean {
    if (!(this.mode & MODE_LBRACK) || ch !== '$') return false;
    if (this.read() === '{') return true;
    this.unread();
    return false;
  }

  private isEscape(ch: string): boolean {
    if (!(this.mode & MODE_ESCAPE)) return false;
    if (ch === '$' && this.peek() === '$') return true;
    if (ch !== '\\') return false;
    const next = this.peek();
    return next === '/' || next === '\\';
  }
}

// ---- parser --------------------------------------------------------------------------------------

class Parser {
  private readonly s: Scanner;

  constructor(text: string) {
    this.s = new Scanner(text);
  }

  parse(): TemplateNode {
    const nodes: TemplateNode[] = [];
    for (;;) {
      this.s.accept = acceptAny;
      this.s.mode = MODE_IDENT | MODE_LBRACK | MODE_ESCAPE;
      const tok = this.s.scan();
      if (tok === 'eof') return { kind: 'list', nodes };
      if (tok === 'ident') nodes.push({ kind: 'text', value: this.s.text() });
      else if (tok === 'lbrack') nodes.push(this.parseFunc());
      else throw new BadSubstitution();
    }
  }

  private scanOp(accept: Accept): string {
    this.s.accept = accept;
    this.s.mode = MODE_IDENT;
    if (this.s.scan() !== 'ident') throw new BadSubstitution();
    return this.s.text();
  }

  private parseFunc(): TemplateNode {
    if (this.s.peek() === '#') return this.parseLength();
    const name = this.scanOp(acceptIdent);
    switch (this.s.peek()) {
      case ':':
        return this.parseDefaultOrSubstring(name);
      case '=':
        return this.parseDefault(name);
      case ',':
      case '^':
        return this.finish({ kind: 'func', op: this.scanOp(acceptCasingOp), name, args: [] });
      case '/':
        return this.parseReplace(name);
      case '#':
        return this.parseRemove(name, acceptHashOp);
      case '%':
        return this.parseRemove(name, acceptPercentOp);
    }
    return this.finish({ kind: 'func', op: '', name, args: [] });
  }

  private parseParam(accept: Accept, mode: number): TemplateNode {
    this.s.accept = accept;
    this.s.mode = mode | MODE_LBRACK;
    const tok = this.s.scan();
    if (tok === 'lbrack') return this.parseFunc();
    if (tok === 'ident' || tok === 'rbrack') return { kind: 'text', value: this.s.text() };
    throw new BadSubstitution();
  }

  private parseDefaultOrSubstring(name: string): TemplateNode {
    this.s.read();
    const next = this.s.peek();
    this.s.unread();
    if (next === '=' || next === '-' || next === '?' || next === '+') return this.parseDefault(name);
    return this.parseSubstring(name);
  }

  private parseSubstring(name: string): TemplateNode {
    const node = { kind: 'func' as const, op: this.scanOp(acceptOneColon), name, args: [] as TemplateNode[] };
    node.args.push(this.parseParam(rejectColonClose, MODE_IDENT));
    this.s.accept = acceptColons;
    this.s.mode = MODE_IDENT | MODE_RBRACK;
    const tok = this.s.scan();
    if (tok === 'rbrack') return node;
    if (tok !== 'ident') throw new BadSubstitution();
    node.args.push(this.parseParam(acceptNotClosing, MODE_IDENT));
    return this.finish(node);
  }

  private parseRemove(name: string, accept: Accept): TemplateNode {
    const op = this.scanOp(accept);
    return this.finish({ kind: 'func', op, name, args: [this.parseParam(acceptNotClosing, MODE_IDENT)] });
  }

  private parseReplace(name: string): TemplateNode {
    const node = {
      kind: 'func' as const,
      op: this.scanOp(acceptReplaceOp),
      name,
      args: [] as TemplateNode[],
    };
    node.args.push(this.parseParam(acceptNotSlash, MODE_IDENT | MODE_ESCAPE));
    this.scanOp(acceptSlash);
    if (this.s.peek() === '}') return this.finish(node);
    node.args.push(this.parseParam(acceptNotClosing, MODE_IDENT | MODE_ESCAPE));
    return this.finish(node);
  }

  private parseDefault(name: string): TemplateNode {
    const op = this.scanOp(this.s.peek() === '=' ? acceptOneEqual : acceptDefaultOp);
    const node = { kind: 'func' as const, op, name, args: [] as TemplateNode[] };
    while (this.s.peek() !== '}') node.args.push(this.parseParam(acceptNotClosing, MODE_IDENT));
    return this.finish(node);
  }

  private parseLength(): TemplateNode {
    const op = this.scanOp(acceptOneHash);
    const name = this.scanOp(acceptIdent);
    return this.finish({ kind: 'func', op, name, args: [] });
  }

  private finish(node: TemplateNode): TemplateNode {
    this.s.mode = MODE_RBRACK;
    if (this.s.scan() !== 'rbrack') throw new BadSubstitution();
    return node;
  }
}

// ---- evaluation ----------------------------------------------------------------------------------

const DEFAULT_OPS = new Set(['=', ':=', ':-']);

function evaluate(node: TemplateNode, vars: Variables, unset: string[]): string {
  switch (node.kind) {
    case 'text':
      return node.value;
    case 'list':
      return node.nodes.map((n) => evaluate(n, vars, unset)).join('');
    case 'func': {
      // Arguments are evaluated first, even when the default ends up unused (as gomodules does).
      let args = node.args.map((n) => evaluate(n, vars, unset));
      const found = Object.hasOwn(vars, node.name);
      const value = found ? (vars[node.name] ?? '') : '';
      const isDefault = DEFAULT_OPS.has(node.op);
      if (!found && !isDefault) {
        if (!unset.includes(node.name)) unset.push(node.name);
        return '';
      }
      if (found && isDefault) args = [];
      if (!found && isDefault && args.length === 0) return '';
      return applyOp(node.op, value, args);
    }
  }
}

type Operation = (s: string, args: readonly string[]) => string;

const arg0 = (args: readonly string[]): string => args[0] ?? '';
const arg1 = (args: readonly string[]): string => args[1] ?? '';

/** The operator of each `${v<op>…}` form, applied to the value `s` and the evaluated arguments. */
const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  Object.entries({
    ',': (s) => (s.length === 0 ? s : firstChar(s).toLowerCase() + s.slice(firstChar(s).length)),
    ',,': (s) => s.toLowerCase(),
    '^': (s) => (s.length === 0 ? s : firstChar(s).toUpperCase() + s.slice(firstChar(s).length)),
    '^^': (s) => s.toUpperCase(),
    // `${#v}` (no argument) is the length in UTF-8 bytes; `${v#p}` trims a prefix.
    '#': (s, args) =>
      args.length === 0 ? String(new TextEncoder().encode(s).length) : trimShortestPrefix(s, arg0(args)),
    '##': (s, args) => trimLongestPrefix(s, arg0(args)),
    '%': (s, args) => reverse(trimShortestPrefix(reverse(s), reverse(arg0(args)))),
    '%%': (s, args) => reverse(trimLongestPrefix(reverse(s), reverse(arg0(args)))),
    ':': (s, args) => substring(s, args),
    '/#': (s, args) =>
      args.length === 2 && s.startsWith(arg0(args)) ? replaceOnce(s, arg0(args), arg1(args)) : s,
    '/%': (s, args) =>
      args.length === 2 && s.endsWith(arg0(args)) ? s.slice(0, s.length - arg0(args).length) + arg1(args) : s,
    '/': (s, args) => (args.length === 0 ? s : replaceOnce(s, arg0(args), arg1(args))),
    '//': (s, args) => (args.length === 0 ? s : s.replaceAll(arg0(args), () => arg1(args))),
  } satisfies Record<string, Operation>),
);

/** Plain ${v}, the default operators, and the ones gomodules treats like a default (:? :+ and odd casings). */
const useDefault: Operation = (s, args) => (s.length === 0 && args.length > 0 ? args.join('') : s);

function applyOp(op: string, s: string, args: string[]): string {
  return (OPERATIONS.get(op) ?? useDefault)(s, args);
}

function firstChar(s: string): string {
  return String.fromCodePoint(s.codePointAt(0) ?? 0);
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

function replaceOnce(s: string, from: string, to: string): string {
  return s.replace(from, () => to);
}

/** Go strconv.Atoi: optional sign, decimal digits only. */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number.parseInt(s, 10) : undefined;
}

function substring(s: string, args: readonly string[]): string {
  let pos = atoi(args[0] ?? '');
  if (pos === undefined) return s;
  if (pos < 0) pos = Math.max(0, s.length + pos);
  if (args.length === 1) return pos < s.length ? s.slice(pos) : '';
  const len = atoi(args[1] ?? '');
  if (len === undefined) return s;
  // Go panics on the out-of-range cases below; an empty result is the closest harmless answer.
  if (pos > s.length || len < 0) return '';
  return pos + len >= s.length ? s.slice(pos) : s.slice(pos, pos + len);
}

function trimShortestPrefix(s: string, pattern: string): string {
  const re = globToRegExp(pattern);
  if (!re) return s;
  let shortest = '';
  for (let end = s.length; end > 0; end--) if (re.test(s.slice(0, end))) shortest = s.slice(0, end);
  return shortest === '' ? s : s.slice(shortest.length);
}

function trimLongestPrefix(s: string, pattern: string): string {
  const re = globToRegExp(pattern);
  if (!re) return s;
  for (let end = s.length; end > 0; end--) if (re.test(s.slice(0, end))) return s.slice(end);
  return s;
}

const escapeOutsideClass = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const escapeInsideClass = (c: string): string => c.replace(/[\\^\][-]/g, '\\$&');

/** A `[…]` class starting at `chars[start]` ('['): its RegExp source and the index of its ']'. */
function globClass(chars: readonly string[], start: number): { source: string; end: number } | undefined {
  let j = start + 1;
  const negate = chars[j] === '^';
  if (negate) j++;
  let cls = '';
  for (let count = 0; ; count++) {
    if (chars[j] === ']' && count > 0) break;
    const range = globRange(chars, j);
    if (!range) return undefined;
    cls += range.source;
    j = range.next;
  }
  return { source: `[${negate ? '^' : ''}${cls}]`, end: j };
}

/** One member of a class at `chars[at]`: a character (maybe escaped) or a range `lo-hi`. */
function globRange(chars: readonly string[], at: number): { source: string; next: number } | undefined {
  let j = at;
  let lo = chars[j];
  if (lo === undefined || lo === ']' || lo === '-') return undefined;
  if (lo === '\\') lo = chars[++j];
  if (lo === undefined) return undefined;
  j++;
  let hi: string = lo;
  if (chars[j] === '-') {
    let h = chars[++j];
    if (h === '\\') h = chars[++j];
    if (h === undefined || h === ']') return undefined;
    hi = h;
    j++;
  }
  if (hi < lo) return undefined;
  const source = lo === hi ? escapeInsideClass(lo) : `${escapeInsideClass(lo)}-${escapeInsideClass(hi)}`;
  return { source, next: j };
}

/** The glob dialect of envsubst's patterns; undefined when the pattern is malformed (Go: ErrBadPattern). */
export function globToRegExp(pattern: string): RegExp | undefined {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) return undefined;
      out += escapeOutsideClass(next);
    } else if (c === '[') {
      const cls = globClass(chars, i);
      if (!cls) return undefined;
      out += cls.source;
      i = cls.end;
    } else out += escapeOutsideClass(c);
  }
  try {
    return new RegExp(`^${out}$`, 'u');
  } catch {
    return undefined;
  }
}

// ---- public API ----------------------------------------------------------------------------------

function parseTemplate(template: string): TemplateNode {
  try {
    return new Parser(template).parse();
  } catch (e) {
    if (e instanceof BadSubstitution) {
      throw new StowageError(
        'TEMPLATE_BAD_SUBSTITUTION',
        `bad substitution in template: ${abbreviate(template)}`,
        {
          details: { template },
        },
      );
    }
    throw e;
  }
}

function abbreviate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/**
 * Expands `template` with `vars`. Throws StowageError TEMPLATE_VARIABLE_UNSET (details.variables =
 * every unset name, in order of appearance) or TEMPLATE_BAD_SUBSTITUTION for malformed `${…}`.
 */
export function evalMap(template: string, vars: Variables): string {
  const unset: string[] = [];
  const out = evaluate(parseTemplate(template), vars, unset);
  if (unset.length > 0) {
    throw new StowageError(
      'TEMPLATE_VARIABLE_UNSET',
      `template variable${unset.length > 1 ? 's' : ''} ${unset.map((v) => `\${${v}}`).join(', ')} ` +
        `${unset.length > 1 ? 'are' : 'is'} not set and ha${unset.length > 1 ? 've' : 's'} no default: ` +
        'pass it as a task param (spec.task.params) or give it a default with ${NAME:=value}',
      { details: { variables: unset } },
    );
  }
  return out;
}

/**
 * Substitutes into the JSON serialisation of `obj` and parses it back, as Stash does for Tasks,
 * Functions, hook containers and PVC templates. Values are inserted raw: a value containing `"`
 * breaks the JSON (TEMPLATE_INVALID_JSON), exactly as it breaks Stash.
 */
export function substituteObject<T>(obj: T, vars: Variables): T {
  const text = JSON.stringify(obj);
  const out = evalMap(text, vars);
  try {
    return JSON.parse(out) as T;
  } catch (e) {
    throw new StowageError(
      'TEMPLATE_INVALID_JSON',
      'substituted template is no longer valid JSON: a variable value probably contains a double quote or a backslash',
      { cause: e, details: { rendered: out } },
    );
  }
}
