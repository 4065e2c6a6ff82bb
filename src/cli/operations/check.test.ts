import { describe, expect, it } from 'vitest';
import { validateCheckOptions } from './check.ts';

describe('check options', () => {
  it('accept restic read-data-subset forms', () => {
    for (const s of ['1/5', '5/5', '10%', '2.5%', '100%', '500M', '1G', '1024', '3t']) {
      expect(() => validateCheckOptions({ readDataSubset: s }), s).not.toThrow();
    }
  });

  it('reject other forms with a usage error saying what is expected', () => {
    for (const s of ['6/5', '0/5', '1/0', '0%', '101%', 'half', '-1', '1/2/3', '']) {
      expect(() => validateCheckOptions({ readDataSubset: s }), s).toThrow(
        /expected n\/t \(e\.g\. 1\/5\), a percentage \(e\.g\. 10%\) or a size/,
      );
    }
    expect(() => validateCheckOptions({ readData: true, readDataSubset: '1/5' })).toThrow(
      /exclude each other/,
    );
  });
});
