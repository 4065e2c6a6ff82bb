import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { SCRATCH_DIR } from '../../core/job-volumes.ts';
import { parseObject } from '../../api/validate.ts';
import { POSTGRES_ADDON_VERSIONS, postgresCatalog } from './catalog.ts';

describe('postgres catalog', () => {
  const objects = postgresCatalog('img');

  it('has a backup and restore Function and Task per version, all valid', () => {
    expect(objects).toHaveLength(POSTGRES_ADDON_VERSIONS.length * 4);
    for (const o of objects) expect(() => parseObject(o)).not.toThrow();
    expect(objects.map((o) => o.metadata.name)).toContain('postgres-backup-15.1');
  });

  it('Tasks run the version step then update-status with outputDir', () => {
    const t = objects.find((o) => o.kind === 'Task' && o.metadata.name === 'postgres-restore-16.1');
    expect(t?.kind === 'Task' && t.spec.steps.map((s) => s.name)).toEqual([
      'postgres-restore-16.1',
      'update-status',
    ]);
  });

  it('names every object <addon>-<direction>-<version> after the postgres addon', () => {
    for (const o of objects) expect(o.metadata.name).toMatch(/^postgres-(backup|restore)-\d[\d.]*$/);
  });
});

/** The objects of a generated catalog file. */
function catalogObjects(file: string): unknown[] {
  const text = readFileSync(new URL(`../../../deploy/catalog/${file}`, import.meta.url), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

describe('generated catalog files (deploy/catalog)', () => {
  it('resolve with no variables set at all: every ${VAR} has a default', async () => {
    const { substituteObject } = await import('../../core/envsubst.ts');
    for (const file of ['postgres.yaml', 'update-status.yaml']) {
      const docs = catalogObjects(file);
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        const resolved = substituteObject(doc, {}) as { kind: string; spec: { image?: string } };
        expect(JSON.stringify(resolved)).not.toContain('${');
        if (resolved.kind === 'Function')
          expect(resolved.spec.image).toMatch(/^ghcr\.io\/stowage\/stowage:v\d/);
      }
    }
  });

  it('gives every step Function the scratch folder as a flag, so the standalone runner maps it under the state folder', () => {
    for (const file of ['postgres.yaml', 'update-status.yaml']) {
      const functions = (
        catalogObjects(file) as Array<{ kind: string; metadata: { name: string }; spec: { args?: string[] } }>
      ).filter((o) => o.kind === 'Function');
      for (const f of functions)
        expect(f.spec.args, f.metadata.name).toContain(`--scratch-dir=${SCRATCH_DIR}`);
    }
  });
});
