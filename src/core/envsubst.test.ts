import { describe, expect, it } from 'vitest';
import { evalMap, globToRegExp, substituteObject } from './envsubst.ts';

/** What a thrown StowageError with `code` (and these other fields) looks like. */
const failsWith = (code: string, more: Record<string, unknown> = {}): Error =>
  expect.objectContaining({ code, ...more }) as Error;

describe('evalMap', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ['plain text passes through', {}, 'abcdEFGH28ij', 'abcdEFGH28ij'],
    ['${v} is replaced', { v: 'x' }, 'a-${v}-b', 'a-x-b'],
    ['plain $VAR stays literal', { v: 'x' }, '$v and ${v}', '$v and x'],
    ['a lone $ and } stay literal', {}, 'cost $ 5 }', 'cost $ 5 }'],
    ['${#v} is the length', { var01: 'abcdEFGH28ij' }, '${#var01}', '12'],
    ['${#v} counts UTF-8 bytes as Go does', { v: 'é' }, '${#v}', '2'],
    ['${v^} uppercases the first char', { v: 'abc' }, '${v^}', 'Abc'],
    ['${v^^} uppercases all', { v: 'abcD' }, '${v^^}', 'ABCD'],
    ['${v,} lowercases the first char', { v: 'ABC' }, '${v,}', 'aBC'],
    ['${v,,} lowercases all', { v: 'ABC' }, '${v,,}', 'abc'],
    ['${v:n} offsets', { p: '/home/bozo/ideas/thoughts.for.today' }, '${p:11}', 'ideas/thoughts.for.today'],
    ['${v:n:len} slices', { p: '/home/bozo/ideas/thoughts.for.today' }, '${p:11:5}', 'ideas'],
    ['${v:n} beyond the end is empty', { v: 'abc' }, '${v:5}', ''],
    ['${v:n:len} running past the end returns the rest', { v: 'abcdef' }, '${v:2:10}', 'cdef'],
    ['${v:x} with a non-number returns the value', { v: 'abc' }, '${v:x}', 'abc'],
    ['${v=d} keeps a set value', { v: 'abc' }, '${v=xyz}', 'abc'],
    ['${v=d} keeps a set empty value', { v: '' }, '${v=xyz}', ''],
    ['${v=d} uses the default when unset', {}, '${v=xyz}', 'xyz'],
    ['${v:=d} uses the default when unset', {}, '${v:=xyz}', 'xyz'],
    ['${v:-d} uses the default when unset', {}, '${v:-xyz}', 'xyz'],
    ['${v:=d} keeps a set empty value (gomodules drops the default)', { v: '' }, '${v:=xyz}', ''],
    ['${v:=} with v unset renders empty', {}, '--out=${outputDir:=}', '--out='],
    ['a default may nest a variable', { var01: 'abcdEFGH28ij' }, '${var=${var01^^}}', 'ABCDEFGH28IJ'],
    ['a default may mix text and variables', { b: 'B' }, '${a:=x${b}y}', 'xBy'],
    ['${v/%p/r} replaces a suffix', { s: 'abcABC123ABCabc' }, '${s/%abc/XYZ}', 'abcABC123ABCXYZ'],
    ['${v/#p/r} replaces a prefix', { s: 'abcABC123ABCabc' }, '${s/#abc/XYZ}', 'XYZABC123ABCabc'],
    ['${v/#p/r} leaves a non-prefix alone', { s: 'xabc' }, '${s/#abc/XYZ}', 'xabc'],
    ['${v//p/r} replaces all', { s: 'abcABC123ABCabc' }, '${s//abc/xyz}', 'xyzABC123ABCxyz'],
    ['${v/p/r} replaces the first', { s: 'abcABC123ABCabc' }, '${s/abc/xyz}', 'xyzABC123ABCabc'],
    ['${v/p/} removes the first', { s: 'foo.bar.baz' }, '${s/./}', 'foobar.baz'],
    ['${v//p/} removes all', { s: 'foo.bar.baz' }, '${s//./}', 'foobarbaz'],
    ['replace is literal, not a glob', { s: 'a*b' }, '${s/*/-}', 'a-b'],
    ['replacement text with $& is not special', { s: 'ab' }, '${s/a/$&}', '$&b'],
    ['an escaped slash in a replace pattern', { s: 'foo/bar' }, '${s/\\//-}', 'foo-bar'],
    ['${v#p} strips the shortest prefix', { f: 'bash.string.txt' }, '${f#*.}', 'string.txt'],
    ['${v#*/} on a relative path', { f: 'path/to/file' }, '${f#*/}', 'to/file'],
    ['${v#*/} on an absolute path', { f: '/path/to/file' }, '${f#*/}', 'path/to/file'],
    ['${v##p} strips the longest prefix', { f: 'bash.string.txt' }, '${f##*.}', 'txt'],
    ['${v##*/} crosses slashes', { f: '/path/to/file' }, '${f##*/}', 'file'],
    ['${v%p} strips the shortest suffix', { f: 'bash.string.txt' }, '${f%.*}', 'bash.string'],
    ['${v%%p} strips the longest suffix', { f: 'bash.string.txt' }, '${f%%.*}', 'bash'],
    ['${v#p} with ? and a class', { f: 'a1-rest' }, '${f#?[0-9]-}', 'rest'],
    ['${v#p} without a match leaves the value', { f: 'abc' }, '${f#x*}', 'abc'],
    ['$$ escapes a template', { var01: 'x' }, '$${var01}', '${var01}'],
    [
      'escapes and plain $ mix as in gomodules tests',
      { var01: 'abcdEFGH28ij' },
      'some text ${var01}$${var$${var01}$var01${var01}',
      'some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij',
    ],
    ['$$$ then a template: one $ then the value', { x: 'v' }, '$$${x}', '$v'],
    ['a backslash before \\ or / is dropped outside templates', {}, 'a\\\\b\\/c\\n', 'a\\b/c\\n'],
    ['names may contain "-" (so ${v-d} names "v-d")', { 'v-d': 'dash' }, '${v-d}', 'dash'],
    ['${v:+w} behaves like a default when set and empty', { v: '' }, '${v:+w}', 'w'],
    ['${v:+w} returns a set non-empty value', { v: 'x' }, '${v:+w}', 'x'],
  ];
  it.each(cases)('Given %s, When expanded, Then the output matches', (_name, vars, input, output) => {
    expect(evalMap(input, vars)).toBe(output);
  });

  it('Given several unset variables, When expanded, Then one TEMPLATE_VARIABLE_UNSET names each once', () => {
    expect(() => evalMap('${A} ${B:=x} ${C^^} ${A} ${#D} ${E:=${F}}', {})).toThrow(
      failsWith('TEMPLATE_VARIABLE_UNSET', {
        details: { variables: ['A', 'C', 'D', 'F'] },
        message: expect.stringMatching(/\$\{A\}.*\$\{F\}/),
      }),
    );
  });

  it('Given a default that references an unset variable while the main one is set, When expanded, Then it still fails', () => {
    expect(() => evalMap('${A:=${B}}', { A: 'a' })).toThrow(failsWith('TEMPLATE_VARIABLE_UNSET'));
  });

  it.each(['${', '${}', '${A', '${A B}', '${A?x}', '${A+x}', '${#}', '${A:}', '${A#}', '${A/x}', '${A///b}'])(
    'Given the malformed template %s, When expanded, Then TEMPLATE_BAD_SUBSTITUTION',
    (input) => {
      expect(() => evalMap(input, { A: 'a' })).toThrow(failsWith('TEMPLATE_BAD_SUBSTITUTION'));
    },
  );
});

describe('globToRegExp', () => {
  it.each([
    ['*', 'a/b', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
  ] as const)('Given pattern %s and name %s, When matched, Then %s', (pattern, name, ok) => {
    expect(globToRegExp(pattern)?.test(name)).toBe(ok);
  });

  it.each(['[', '[]', '[a-', 'a\\'])('Given the bad pattern %s, When compiled, Then undefined', (p) => {
    expect(globToRegExp(p)).toBeUndefined();
  });

  it('Given a bad pattern in ${v#p}, When expanded, Then the value is returned unchanged', () => {
    expect(evalMap('${v#[}', { v: '[abc' })).toBe('[abc');
  });
});

describe('substituteObject', () => {
  it('Given a Task-like object, When substituted, Then every string (keys too) is expanded', () => {
    const task = {
      spec: {
        steps: [{ name: 'es-backup', params: [{ name: 'args', value: '${args:=--all}' }] }],
        volumes: [{ name: 'v', persistentVolumeClaim: { claimName: '${TARGET_NAME}' } }],
        '${KEY}': 1,
      },
    };
    expect(substituteObject(task, { TARGET_NAME: 'data-es-0', KEY: 'k' })).toEqual({
      spec: {
        steps: [{ name: 'es-backup', params: [{ name: 'args', value: '--all' }] }],
        volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data-es-0' } }],
        k: 1,
      },
    });
  });

  it('Given a value containing a double quote, When substituted into JSON, Then TEMPLATE_INVALID_JSON (as Stash fails)', () => {
    expect(() => substituteObject({ a: '${X}' }, { X: 'say "hi"' })).toThrow(
      failsWith('TEMPLATE_INVALID_JSON'),
    );
  });

  it('Given a string with a backslash before a letter, When substituted, Then JSON text semantics apply (\\\\ is halved)', () => {
    // JSON text of 'a\\d' is "a\\\\d"; envsubst halves the pair, leaving the JSON escape \d — invalid.
    expect(() => substituteObject({ a: 'a\\d' }, {})).toThrow(failsWith('TEMPLATE_INVALID_JSON'));
    // \\n becomes \n in the JSON text, which parses as a newline, as in Stash.
    expect(substituteObject({ a: 'x\\ny' }, {})).toEqual({ a: 'x\ny' });
  });

  it('Given an object without templates, When substituted, Then it round-trips unchanged', () => {
    const obj = { a: [1, true, null, 'x/y', '<&>'], b: { c: 'd' } };
    expect(substituteObject(obj, {})).toEqual(obj);
  });
});
