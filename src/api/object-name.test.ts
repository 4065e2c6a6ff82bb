// The names the API server accepts: an object's name (or generateName) is a DNS-1123 subdomain of
// at most 253 characters, a namespace a DNS-1123 label of at most 63.
import { describe, expect, it } from 'vitest';
import { objectNameIssues } from './object-name.ts';

const pathsOf = (names: Parameters<typeof objectNameIssues>[0]) => objectNameIssues(names).map((i) => i.path);

describe('objectNameIssues', () => {
  it.each([
    ['a catalog Task name with dots', 'postgres-backup-15.1'],
    ['a single character', 'a'],
    ['digits first', '0pg'],
    ['253 characters in labels', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`],
  ])('Given %s, When checked, Then the name is valid', (_what, name) => {
    expect(objectNameIssues({ name, namespace: 'demo' })).toEqual([]);
  });

  it.each([
    ['upper case', 'Pg'],
    ['an underscore', 'pg_backup'],
    ['a leading dash', '-pg'],
    ['a trailing dot', 'pg.'],
    ['an empty label between dots', 'pg..backup'],
    ['a label ending in a dash', 'pg-.backup'],
    ['254 characters', 'a'.repeat(254)],
  ])('Given %s, When checked, Then metadata.name is wrong', (_what, name) => {
    expect(pathsOf({ name, namespace: 'demo' })).toEqual(['metadata.name']);
  });

  it('Given an invalid name, When checked, Then the message quotes it and says what is expected', () => {
    const [issue] = objectNameIssues({ name: 'Not_A_DNS_Name' });
    expect(issue?.message).toContain('"Not_A_DNS_Name"');
    expect(issue?.message).toContain('lowercase RFC 1123 subdomain');
    expect(objectNameIssues({ name: 'a'.repeat(254) })[0]?.message).toContain('at most 253');
  });

  it('Given a generateName, When checked, Then it may end in a dash, and is checked as metadata.generateName', () => {
    expect(objectNameIssues({ generateName: 'pg-backup-' })).toEqual([]);
    expect(pathsOf({ generateName: 'PG-' })).toEqual(['metadata.generateName']);
    expect(objectNameIssues({ generateName: 'PG-' })[0]?.message).toContain('"PG-"');
  });

  it.each([
    ['a dot', 'my.ns', ['metadata.namespace']],
    ['upper case', 'Demo', ['metadata.namespace']],
    ['64 characters', 'a'.repeat(64), ['metadata.namespace']],
    ['63 characters', 'a'.repeat(63), []],
  ])('Given a namespace with %s, When checked, Then the issues are %j', (_what, namespace, want) => {
    expect(pathsOf({ name: 'pg', namespace })).toEqual(want);
  });

  it('Given no namespace (a cluster-scoped kind), When checked, Then only the name is checked', () => {
    expect(pathsOf({ name: 'Bad' })).toEqual(['metadata.name']);
  });
});
