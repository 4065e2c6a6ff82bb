import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultNamespace } from './context-namespace.ts';

const dir = mkdtempSync(join(tmpdir(), 'stowage-kubeconfig-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('defaultNamespace', () => {
  it('is "default" under the standalone runtime, whatever the kubeconfig says', async () => {
    const kc = file('a', 'current-context: c\ncontexts:\n- name: c\n  context: {namespace: demo}\n');
    expect(await defaultNamespace({ runtime: 'standalone', kubeconfig: kc })).toBe('default');
  });

  it("is the current context's namespace under the kubernetes runtime", async () => {
    const kc = file(
      'b',
      'current-context: c\ncontexts:\n- name: other\n  context: {namespace: x}\n- name: c\n  context: {namespace: demo}\n',
    );
    expect(await defaultNamespace({ runtime: 'kubernetes', kubeconfig: kc })).toBe('demo');
  });

  it('takes current-context from the first file that sets it and the context from any file (merged KUBECONFIG)', async () => {
    const first = file('c1', 'current-context: c\n');
    const second = file('c2', 'contexts:\n- name: c\n  context: {namespace: merged}\n');
    expect(await defaultNamespace({ runtime: 'kubernetes', kubeconfig: `${first}:${second}` })).toBe(
      'merged',
    );
  });

  it('is "default" when the context names no namespace or the file is missing or not YAML', async () => {
    const noNs = file('d', 'current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\n');
    expect(await defaultNamespace({ runtime: 'kubernetes', kubeconfig: noNs })).toBe('default');
    expect(await defaultNamespace({ runtime: 'kubernetes', kubeconfig: join(dir, 'missing') })).toBe(
      'default',
    );
    expect(await defaultNamespace({ runtime: 'kubernetes', kubeconfig: file('e', ': : [') })).toBe('default');
  });
});
