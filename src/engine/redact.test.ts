import { describe, expect, it } from 'vitest';
import { redactRepository } from './redact.ts';

describe('redactRepository', () => {
  it.each([
    ['rest:http://u:secret@h:8000/repo', 'rest:http://u:***@h:8000/repo'],
    ['rest:https://u:p%40ss@h/x', 'rest:https://u:***@h/x'],
    ['rest:http://u@h:8000/', 'rest:http://u@h:8000/'],
    ['s3:http://127.0.0.1:9000/b/p', 's3:http://127.0.0.1:9000/b/p'],
    ['/var/backup', '/var/backup'],
  ])('%s', (input, want) => expect(redactRepository(input)).toBe(want));
});
