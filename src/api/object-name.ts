/**
 * The names the API server accepts (Kubernetes API conventions, "Object Names and IDs"): an
 * object's name is a lowercase RFC 1123 subdomain, a namespace's name an RFC 1123 label. On
 * Kubernetes the API server enforces them; the standalone store checks them here, so a manifest
 * refused by one runtime is refused by the other, for the same field.
 */
import type { FieldIssue } from '../errors.ts';

interface NameRule {
  pattern: RegExp;
  maxLength: number;
  expected: string;
}

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

const SUBDOMAIN_RULE: NameRule = {
  pattern: new RegExp(`^${LABEL}(\\.${LABEL})*$`),
  maxLength: 253,
  expected:
    "a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. \"postgres-backup-15.1\")",
};

/** The longest RFC 1123 label (a namespace, and most generated names). */
export const DNS1123_LABEL_MAX_LENGTH = 63;

const LABEL_RULE: NameRule = {
  pattern: new RegExp(`^${LABEL}$`),
  maxLength: DNS1123_LABEL_MAX_LENGTH,
  expected:
    'a lowercase RFC 1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. "demo")',
};

/** Why `value` breaks `rule` (tested as `tested`: a generateName is tested with its suffix), if it does. */
function problem(value: string, rule: NameRule, tested = value): string | undefined {
  if (tested.length > rule.maxLength)
    return `"${value}" is ${value.length} characters long; expected at most ${rule.maxLength}`;
  if (!rule.pattern.test(tested)) return `"${value}" is not valid; expected ${rule.expected}`;
  return undefined;
}

export interface NamesToCheck {
  name?: string | undefined;
  generateName?: string | undefined;
  /** Undefined for a cluster-scoped kind: it has no namespace. */
  namespace?: string | undefined;
}

/**
 * What is wrong with an object's name (or, without one, its generateName, which may end in '-'
 * since a random suffix follows it) and with its namespace; empty when they are valid.
 */
export function objectNameIssues(names: NamesToCheck): FieldIssue[] {
  const found: Array<[path: string, message: string | undefined]> = [];
  if (names.name) found.push(['metadata.name', problem(names.name, SUBDOMAIN_RULE)]);
  else if (names.generateName !== undefined) {
    const g = names.generateName;
    found.push(['metadata.generateName', problem(g, SUBDOMAIN_RULE, g.replace(/-$/, 'a'))]);
  }
  if (names.namespace !== undefined) found.push(['metadata.namespace', problem(names.namespace, LABEL_RULE)]);
  return found.flatMap(([path, message]) => (message === undefined ? [] : [{ path, message }]));
}
