// The committed CRDs must be what the generator makes from the zod schemas today, and structural.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CRD_DIR,
  crdFileName,
  crdFor,
  generateCrds,
  HEADER,
  toStructural,
  type JsonSchema,
} from '../../hack/gen-crds.ts';
import { kinds, type KindInfo } from './kinds.ts';

const crdKinds = (Object.values(kinds) as KindInfo[]).filter((k) => k.crd);
const generated = generateCrds();

function schemaOf(info: KindInfo): JsonSchema {
  const spec = crdFor(info).spec as { versions: { schema: { openAPIV3Schema: JsonSchema } }[] };
  return spec.versions[0]!.schema.openAPIV3Schema;
}

/** Every node of a schema with its path, depth first. */
function* walk(node: JsonSchema, at = ''): Generator<[string, JsonSchema]> {
  yield [at, node];
  const props = node.properties as Record<string, JsonSchema> | undefined;
  for (const [name, child] of Object.entries(props ?? {})) yield* walk(child, `${at}.${name}`);
  if (node.items) yield* walk(node.items as JsonSchema, `${at}[]`);
  if (typeof node.additionalProperties === 'object')
    yield* walk(node.additionalProperties as JsonSchema, `${at}.*`);
}

function nodeAtPath(root: JsonSchema, jsonPath: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const step of jsonPath.replace(/^\./, '').split('.')) {
    node = (node?.properties as Record<string, JsonSchema> | undefined)?.[step];
  }
  return node;
}

describe('committed CRDs', () => {
  it('one file per CRD kind, and nothing stale', () => {
    expect([...generated.keys()].sort()).toEqual(crdKinds.map(crdFileName).sort());
    const committed = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));
    expect(committed.sort(), 'deploy/crds differs from the kinds; run `npm run gen`').toEqual(
      [...generated.keys()].sort(),
    );
  });

  it.each([...generated.keys()])('%s is up to date', (name) => {
    const committed = readFileSync(path.join(CRD_DIR, name), 'utf8');
    expect(
      committed,
      `deploy/crds/${name} is out of date with src/api; run \`npm run gen\` (make gen) and commit`,
    ).toBe(generated.get(name));
  });

  it('generation is deterministic', () => {
    expect(generateCrds()).toEqual(generated);
  });

  it('files start with the do-not-edit header and parse as one CRD', () => {
    for (const text of generated.values()) {
      expect(text.startsWith(HEADER)).toBe(true);
      const doc = parse(text) as { apiVersion: string; kind: string };
      expect(doc.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(doc.kind).toBe('CustomResourceDefinition');
    }
  });
});

describe.each(crdKinds.map((k) => [k.kind, k] as const))('CRD %s', (_kind, info) => {
  const crd = crdFor(info) as {
    metadata: { name: string };
    spec: {
      group: string;
      scope: string;
      names: Record<string, unknown>;
      versions: {
        name: string;
        served: boolean;
        storage: boolean;
        subresources?: unknown;
        additionalPrinterColumns: { jsonPath: string }[];
      }[];
    };
  };
  const schema = schemaOf(info);

  it('has the names, scope and version of kinds.ts', () => {
    expect(crd.metadata.name).toBe(`${info.plural}.${info.group}`);
    expect(crd.spec.group).toBe(info.group);
    expect(crd.spec.scope).toBe(info.scope);
    expect(crd.spec.names).toMatchObject({
      kind: info.kind,
      listKind: `${info.kind}List`,
      plural: info.plural,
      singular: info.singular,
    });
    expect(crd.spec.names.categories).toEqual(info.categories);
    expect(crd.spec.names.shortNames).toEqual(info.shortNames.length ? info.shortNames : undefined);
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({ name: info.version, served: true, storage: true });
    expect(crd.spec.versions[0]!.subresources).toEqual(info.hasStatus ? { status: {} } : undefined);
  });

  it('printer columns point at fields the schema has', () => {
    for (const col of crd.spec.versions[0]!.additionalPrinterColumns) {
      if (col.jsonPath.startsWith('.metadata.')) continue;
      expect(nodeAtPath(schema, col.jsonPath), col.jsonPath).toBeDefined();
    }
  });

  it('is a structural schema', () => {
    const text = JSON.stringify(schema);
    for (const banned of [
      '$ref',
      '$defs',
      '$schema',
      '"allOf"',
      '"anyOf"',
      '"oneOf"',
      '"not"',
      '"additionalProperties":false',
      '"const"',
    ]) {
      expect(text, banned).not.toContain(banned);
    }
    for (const [at, node] of walk(schema)) {
      const typed = typeof node.type === 'string';
      const open =
        node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
      expect(typed || open, `${at || '(root)'} needs a type`).toBe(true);
      if (node.type === 'object') {
        expect(
          node.properties && node.additionalProperties,
          `${at}: properties and additionalProperties are exclusive`,
        ).toBeFalsy();
      }
      if (node.type === 'array') expect(node.items, `${at}: array without items`).toBeDefined();
      if (node.type === 'integer') expect(['int32', 'int64'], at).toContain(node.format);
      if (node['x-kubernetes-int-or-string'] === true) expect(node.type, at).toBeUndefined();
      for (const req of (node.required as string[] | undefined) ?? []) {
        expect(
          (node.properties as JsonSchema | undefined)?.[req],
          `${at}: required ${req} is not a property`,
        ).toBeDefined();
        const child = (node.properties as Record<string, JsonSchema>)[req]!;
        expect(child.default, `${at}.${req}: a field with a default must not be required`).toBeUndefined();
      }
    }
  });

  it('leaves metadata to the apiserver and keeps apiVersion/kind plain strings', () => {
    const props = schema.properties as Record<string, JsonSchema>;
    expect(props.metadata).toEqual({ type: 'object' });
    expect(props.apiVersion).toEqual({ type: 'string' });
    expect(props.kind).toEqual({ type: 'string' });
    expect(schema.required ?? []).not.toContain('metadata');
  });

  it('status has a schema exactly when the kind has a status subresource', () => {
    expect('status' in (schema.properties as JsonSchema)).toBe(info.hasStatus);
  });

  it('CEL field paths name real fields', () => {
    for (const [at, node] of walk(schema)) {
      for (const v of (node['x-kubernetes-validations'] as
        | { rule: string; fieldPath?: string }[]
        | undefined) ?? []) {
        expect(v.rule.length).toBeGreaterThan(0);
        if (v.fieldPath) expect(nodeAtPath(node, v.fieldPath), `${at} ${v.fieldPath}`).toBeDefined();
      }
    }
  });
});

describe('schema details Stash relies on', () => {
  const prop = (info: KindInfo, jsonPath: string) => nodeAtPath(schemaOf(info), jsonPath)!;

  it('defaults are kept and do not make fields required', () => {
    const spec = prop(kinds.BackupConfiguration, '.spec');
    expect(spec.required).toEqual(['retentionPolicy']);
    expect(prop(kinds.BackupConfiguration, '.spec.backupHistoryLimit')).toEqual({
      type: 'integer',
      format: 'int32',
      default: 1,
    });
    expect(prop(kinds.BackupConfiguration, '.spec.driver')).toMatchObject({
      default: 'Restic',
      enum: ['Restic', 'VolumeSnapshotter'],
    });
    expect(prop(kinds.BackupConfiguration, '.spec.retentionPolicy.prune')).toEqual({
      type: 'boolean',
      default: false,
    });
    expect(prop(kinds.BackupConfiguration, '.spec.retryConfig.maxRetry')).toMatchObject({
      default: 1,
      minimum: 0,
    });
    expect(prop(kinds.Repository, '.spec.usagePolicy.allowedNamespaces.from')).toMatchObject({
      default: 'Same',
    });
    expect(prop(kinds.BackupSession, '.spec.invoker').required).toEqual(['kind', 'name']);
  });

  it('retention keep* are int64, other integers int32', () => {
    expect(prop(kinds.BackupConfiguration, '.spec.retentionPolicy.keepLast').format).toBe('int64');
    expect(prop(kinds.BackupConfiguration, '.spec.target.replicas').format).toBe('int32');
  });

  it('a Quantity is int-or-string', () => {
    expect(prop(kinds.BackupConfiguration, '.spec.tempDir.sizeLimit')).toEqual({
      'x-kubernetes-int-or-string': true,
    });
  });

  it('embedded Kubernetes types and maps keep unknown fields', () => {
    expect(prop(kinds.BackupConfiguration, '.spec.runtimeSettings.pod')).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(
      prop(kinds.BackupConfiguration, '.spec.interimVolumeTemplate.spec')[
        'x-kubernetes-preserve-unknown-fields'
      ],
    ).toBe(true);
    expect(prop(kinds.Repository, '.spec.backend.local')['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(prop(kinds.AppBinding, '.spec.parameters')['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it('durations keep their pattern', () => {
    expect(prop(kinds.BackupConfiguration, '.spec.timeOut').pattern).toMatch(/^\^/);
  });

  it('cross-field rules become CEL', () => {
    expect(prop(kinds.Repository, '.spec.backend')['x-kubernetes-validations']).toEqual([
      {
        rule: '[has(self.local), has(self.s3), has(self.gcs), has(self.azure), has(self.swift), has(self.b2), has(self.rest)].filter(x, x).size() == 1',
        message: 'exactly one of local, s3, gcs, azure, swift, b2, rest must be set',
      },
    ]);
    for (const info of [kinds.BackupConfiguration, kinds.RestoreSession]) {
      expect(prop(info, '.spec')['x-kubernetes-validations']).toEqual([
        expect.objectContaining({
          message: 'repository is required when driver is Restic',
          fieldPath: '.repository',
        }),
      ]);
    }
  });
});

describe('toStructural', () => {
  it('rejects what a structural schema cannot say', () => {
    expect(() => toStructural({ $ref: '#/$defs/x' })).toThrow(/\$ref/);
    expect(() => toStructural({ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, '.spec.x')).toThrow(
      /\.spec\.x: union/,
    );
    expect(() => toStructural({ type: ['string', 'null'] })).toThrow(/type list/);
    expect(() =>
      toStructural({
        type: 'object',
        properties: { a: { type: 'string' } },
        additionalProperties: { type: 'string' },
      }),
    ).toThrow(/both properties/);
  });

  it('maps records, loose objects, unions and bare values', () => {
    expect(toStructural({ type: 'object', additionalProperties: { type: 'string' } })).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(toStructural({ type: 'object', properties: {}, additionalProperties: {} })).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(
      toStructural({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    expect(toStructural({ anyOf: [{ type: 'string' }, { type: 'integer' }], default: 1 })).toEqual({
      default: 1,
      'x-kubernetes-int-or-string': true,
    });
    expect(toStructural({})).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
  });
});
