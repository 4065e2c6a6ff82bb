/**
 * Makes the role section of a pg_dumpall script replayable into a cluster that already has roles,
 * so restores can run with ON_ERROR_STOP=1. Only lines before the first `\connect` (pg_dumpall's
 * globals: roles, memberships, tablespaces, DROP DATABASE) are rewritten; everything after passes
 * through byte for byte. Rewrites:
 * - `DROP ROLE [IF EXISTS] r;` → a DO block that skips roles which cannot be dropped (the
 *   connected user, the bootstrap superuser, roles owning objects elsewhere);
 * - `CREATE ROLE r;` → a DO block that tolerates an existing role (Stash's dumps have no --clean);
 * - `ALTER ROLE <connected user> WITH …` → commented out, so a restore never changes the password
 *   or attributes of the account it runs as (the one the AppBinding's Secret names).
 */

const SKIP_DROP = `EXCEPTION WHEN dependent_objects_still_exist OR object_in_use OR insufficient_privilege THEN RAISE NOTICE 'stowage: kept role: %', SQLERRM;`;
const SKIP_CREATE = `EXCEPTION WHEN duplicate_object THEN NULL;`;

/** `"a""b"` → `a"b`; bare identifiers are folded to lower case, as PostgreSQL does. */
export function unquoteIdent(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase();
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const DROP_ROLE = new RegExp(String.raw`^DROP ROLE (?:IF EXISTS )?${IDENT};$`);
const CREATE_ROLE = new RegExp(String.raw`^CREATE ROLE ${IDENT};$`);
const ALTER_ROLE = new RegExp(String.raw`^ALTER ROLE ${IDENT} WITH `);

/** Rewrites one globals line (without its newline) for a restore connected as `currentUser`. */
export function rewriteGlobalsLine(line: string, currentUser: string): string {
  let m = DROP_ROLE.exec(line);
  if (m) return `DO $stowage$ BEGIN ${line} ${SKIP_DROP} END $stowage$;`;
  m = CREATE_ROLE.exec(line);
  if (m) return `DO $stowage$ BEGIN ${line} ${SKIP_CREATE} END $stowage$;`;
  m = ALTER_ROLE.exec(line);
  if (m && unquoteIdent(m[1]!) === currentUser)
    return `-- stowage: kept the connected user's own settings: ALTER ROLE ${m[1]!} WITH …`;
  return line;
}

/**
 * A streaming rewriter: feed it chunks, it returns the chunks to pass on. Once the globals are
 * over (first `\connect`), it returns its input unchanged, so database contents in any encoding
 * are never decoded.
 */
export class GlobalsFilter {
  private pending: Buffer = Buffer.alloc(0);
  private passthrough = false;

  private readonly currentUser: string;

  constructor(currentUser: string) {
    this.currentUser = currentUser;
  }

  push(chunk: Buffer): Buffer {
    if (this.passthrough) return chunk;
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      const line = data.subarray(start, nl).toString('utf8');
      if (line.startsWith('\\connect ')) {
        this.passthrough = true;
        out.push(data.subarray(start));
        this.pending = Buffer.alloc(0);
        return Buffer.concat(out);
      }
      out.push(Buffer.from(`${rewriteGlobalsLine(line, this.currentUser)}\n`, 'utf8'));
      start = nl + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
    return Buffer.concat(out);
  }

  /** Whatever is left after the last newline. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (this.passthrough || rest.length === 0) return rest;
    return Buffer.from(rewriteGlobalsLine(rest.toString('utf8'), this.currentUser), 'utf8');
  }
}
