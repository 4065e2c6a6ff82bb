/** Reads manifests from files and folders (recursively, *.yaml|*.yml|*.json), in a stable order. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests, type ManifestResult } from '../api/manifests.ts';
import { StowageError } from '../errors.ts';

function listFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new StowageError('NOT_FOUND', `the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => {
      const p = join(path, f);
      return statSync(p).isDirectory() ? listFiles(p) : /\.(ya?ml|json)$/.test(f) ? [p] : [];
    });
}

export function readManifests(paths: string[]): ManifestResult {
  const result: ManifestResult = { objects: [], errors: [] };
  for (const file of paths.flatMap(listFiles)) {
    const r = parseManifests(readFileSync(file, 'utf8'), file);
    result.objects.push(...r.objects);
    result.errors.push(...r.errors);
  }
  return result;
}
