import { describe, expect, it } from 'vitest';
import { GlobalsFilter, rewriteGlobalsLine, unquoteIdent } from './globals-filter.ts';

describe('rewriteGlobalsLine', () => {
  it('makes DROP ROLE and CREATE ROLE tolerant', () => {
    expect(rewriteGlobalsLine('DROP ROLE IF EXISTS app;', 'admin')).toMatch(
      /^DO \$stowage\$ BEGIN DROP ROLE IF EXISTS app; EXCEPTION WHEN .*object_in_use.* END \$stowage\$;$/,
    );
    expect(rewriteGlobalsLine('CREATE ROLE "we""ird";', 'admin')).toBe(
      'DO $stowage$ BEGIN CREATE ROLE "we""ird"; EXCEPTION WHEN duplicate_object THEN NULL; END $stowage$;',
    );
  });
  it("skips only the connected user's ALTER ROLE", () => {
    expect(rewriteGlobalsLine("ALTER ROLE admin WITH SUPERUSER PASSWORD 'x';", 'admin')).toMatch(
      /^-- stowage/,
    );
    expect(rewriteGlobalsLine('ALTER ROLE "Admin" WITH LOGIN;', 'admin')).toBe(
      'ALTER ROLE "Admin" WITH LOGIN;',
    );
    expect(rewriteGlobalsLine('ALTER ROLE app WITH LOGIN;', 'admin')).toBe('ALTER ROLE app WITH LOGIN;');
  });
  it('leaves everything else alone', () => {
    for (const l of ['DROP DATABASE IF EXISTS shop;', 'GRANT a TO b;', '', "SET client_encoding = 'UTF8';"]) {
      expect(rewriteGlobalsLine(l, 'admin')).toBe(l);
    }
  });
  it('unquotes identifiers like PostgreSQL', () => {
    expect(unquoteIdent('Bob')).toBe('bob');
    expect(unquoteIdent('"Bob"')).toBe('Bob');
  });
});

describe('GlobalsFilter', () => {
  it('rewrites across chunk borders and passes everything after the first \\connect through untouched', () => {
    const input =
      'CREATE ROLE app;\nALTER ROLE admin WITH LOGIN;\n\\connect shop\nCREATE ROLE app;\n\xff-bytes';
    const bytes = Buffer.from(input, 'latin1');
    const f = new GlobalsFilter('admin');
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 5) parts.push(f.push(bytes.subarray(i, i + 5)));
    parts.push(f.end());
    const out = Buffer.concat(parts);
    const tail = Buffer.from('\\connect shop\nCREATE ROLE app;\n\xff-bytes', 'latin1');
    expect(out.subarray(out.length - tail.length).equals(tail)).toBe(true);
    const head = out.subarray(0, out.length - tail.length).toString('utf8');
    expect(head).toBe(
      'DO $stowage$ BEGIN CREATE ROLE app; EXCEPTION WHEN duplicate_object THEN NULL; END $stowage$;\n' +
        "-- stowage: kept the connected user's own settings: ALTER ROLE admin WITH …\n",
    );
  });
});
