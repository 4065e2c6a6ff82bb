import { describe, expect, it } from 'vitest';
import type { AppBinding } from '../api/index.ts';
import { appBindingUrl } from './app-binding-url.ts';

const ab = (clientConfig: AppBinding['spec']['clientConfig'], namespace = 'demo'): AppBinding => ({
  apiVersion: 'appcatalog.appscode.com/v1alpha1',
  kind: 'AppBinding',
  metadata: { name: 'pg', namespace },
  spec: { type: 'kubedb.com/postgres', clientConfig },
});

describe('appBindingUrl', () => {
  it('uses clientConfig.url as is', () => {
    expect(appBindingUrl(ab({ url: 'postgres://db.example:5433/app?sslmode=disable' }))).toBe(
      'postgres://db.example:5433/app?sslmode=disable',
    );
  });
  it.each([
    [
      { name: 'pg', scheme: 'postgresql', port: 5432, path: '/', query: 'sslmode=disable' },
      'postgresql://pg.demo.svc:5432/?sslmode=disable',
    ],
    [{ name: 'es', namespace: 'other', scheme: 'http', port: 9200 }, 'http://es.other.svc:9200'],
    [{ name: 'x' }, 'x.demo.svc'],
    [{ name: 'x', port: 1, query: '' }, 'x.demo.svc:1'],
  ])('builds %j from the service', (service, want) => {
    expect(appBindingUrl(ab({ service }))).toBe(want);
  });
  it('defaults the namespace to "default" when neither is set', () => {
    const b = ab({ service: { name: 'x', scheme: 'http' } });
    delete b.metadata.namespace;
    expect(appBindingUrl(b)).toBe('http://x.default.svc');
  });
});
