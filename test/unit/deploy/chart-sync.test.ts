/**
 * The chart ships copies of generated files, because Helm reads only files inside the chart: crds/
 * (of deploy/crds, written by hack/gen-crds.ts) and catalog/ (of deploy/catalog, hack/gen-catalog.ts).
 * This keeps the copies equal byte for byte, so `make gen` followed by this test tells when to copy.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartDir, folderDifferences, repoRoot, SYNC_HINT } from '../../harness/helm-chart.ts';

describe('Helm chart copies of generated files', () => {
  it('crds/ equals deploy/crds byte for byte', async () => {
    const diff = await folderDifferences(join(repoRoot, 'deploy/crds'), join(chartDir, 'crds'));
    expect(diff, SYNC_HINT).toEqual([]);
  });

  it('catalog/ equals deploy/catalog byte for byte', async () => {
    const diff = await folderDifferences(join(repoRoot, 'deploy/catalog'), join(chartDir, 'catalog'));
    expect(diff, SYNC_HINT).toEqual([]);
  });
});
