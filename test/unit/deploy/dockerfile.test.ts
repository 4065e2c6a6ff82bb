/**
 * The Dockerfile cannot be built here (no container engine), so these checks hold it to the rest
 * of the repository: the pinned versions agree with scripts/versions.env and the restic builder
 * module, the build context (.dockerignore) holds what it copies, the production-only
 * node_modules it installs cover what src/ imports, and it runs as the user the chart expects.
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { POSTGRES_ADDON_VERSIONS } from '../../../src/addons/postgres/catalog.ts';
import { pinnedVersions } from '../../harness/tools.ts';
import { chartDir, repoRoot } from '../../harness/helm-chart.ts';

const read = (p: string) => readFile(join(repoRoot, p), 'utf8');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
async function instructions(): Promise<{ op: string; args: string }[]> {
  const text = (await read('Dockerfile')).replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      return { op: (m?.[1] ?? l).toUpperCase(), args: m?.[2] ?? '' };
    });
}

async function argDefaults(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { op, args } of await instructions()) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(args);
    if (op === 'ARG' && m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('Dockerfile', () => {
  it('builds the restic version pinned in scripts/versions.env, from the builder module that pins it too', async () => {
    const pinned = await pinnedVersions();
    const args = await argDefaults();
    expect(pinned.RESTIC_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(args.RESTIC_VERSION).toBe(pinned.RESTIC_VERSION);
    // The Dockerfile refuses to build unless this exact line is in the builder module.
    const goMod = await read('scripts/peers/go/restic/go.mod');
    expect(goMod.split('\n')).toContain(`require github.com/restic/restic v${pinned.RESTIC_VERSION}`);
    const ins = await instructions();
    expect(ins).toContainEqual({ op: 'COPY', args: 'scripts/peers/go/restic/ ./' });
    expect(ins.find((i) => i.op === 'RUN' && i.args.includes('go build'))?.args).toContain(
      'github.com/restic/restic/cmd/restic',
    );
  });

  it('runs on the Node version pinned in scripts/versions.env', async () => {
    const pinned = await pinnedVersions();
    expect((await argDefaults()).NODE_VERSION).toBe(pinned.NODE_VERSION);
    const froms = (await instructions()).filter((i) => i.op === 'FROM').map((i) => i.args);
    expect(froms).toHaveLength(3);
    expect(froms[1]).toMatch(/^node:\$\{NODE_VERSION\}-\S+ AS deps$/);
    expect(froms[2]).toMatch(/^node:\$\{NODE_VERSION\}-\S+-slim$/);
  });

  it('installs the PostgreSQL client of the newest major the catalog names', async () => {
    const majors = POSTGRES_ADDON_VERSIONS.map((v) => Number(v.split('.')[0]));
    expect((await argDefaults()).PG_MAJOR).toBe(String(Math.max(...majors)));
    const ins = await instructions();
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('"postgresql-client-${PG_MAJOR}"'))).toBe(true);
  });

  it('runs /app/bin/stowage as the non-root user the chart runs it as', async () => {
    const ins = await instructions();
    expect(ins.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args).toBe('["/app/bin/stowage"]');
    const user = ins.filter((i) => i.op === 'USER').at(-1)?.args;
    const values = parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    expect(user).toBe(`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
    expect(user).not.toMatch(/^0[:]?/);
    // restic where STOWAGE_RESTIC points.
    expect(ins).toContainEqual({ op: 'COPY', args: '--from=restic /out/restic /usr/local/bin/restic' });
    expect(ins.find((i) => i.op === 'ENV')?.args).toContain('STOWAGE_RESTIC=/usr/local/bin/restic');
  });

  it('finds everything it copies in the build context that .dockerignore leaves', async () => {
    const ignore = (await read('.dockerignore')).split('\n').map((l) => l.trim());
    expect(ignore).toContain('*');
    const kept = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = (await instructions())
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((s) => s.replace(/\/$/, ''));
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) {
      expect(
        kept.some((k) => s === k || s.startsWith(`${k}/`)),
        `${s} is excluded by .dockerignore`,
      ).toBe(true);
    }
    // bin/stowage reads NODE_VERSION from scripts/versions.env; the app's ESM needs package.json.
    expect(sources).toEqual(expect.arrayContaining(['bin', 'src', 'package.json', 'scripts/versions.env']));
  });

  it('installs with --omit=dev --ignore-scripts, which suffices: src/ imports only dependencies, none has an install script', async () => {
    const ins = await instructions();
    expect(ins.find((i) => i.op === 'RUN' && i.args.includes('npm ci'))?.args).toMatch(
      /npm ci --omit=dev --ignore-scripts/,
    );
    const pkg = JSON.parse(await read('package.json')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(await read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript && !p.dev)
      .map(([name]) => name);
    expect(scripted).toEqual([]);

    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    for (const file of await sourceFiles(join(repoRoot, 'src'))) {
      const text = await readFile(file, 'utf8');
      // `… from 'x'`, `import 'x'` and `import('x')`; relative specifiers are the app's own files.
      const specifiers = /(?:^|[\s}])from\s+'([^']+)'|^import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;
      for (const m of text.matchAll(specifiers)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.push(`${relative(repoRoot, file)}: ${spec}`);
      }
    }
    expect(missing, 'imported by src/ but not a production dependency').toEqual([]);
  });
});
