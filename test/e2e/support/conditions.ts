/** Reading the conditions of an object's status, as a test asserts them (by Stash's type names). */
import type { Condition } from '../../../src/api/meta.ts';
import { getCondition } from '../../../src/core/conditions.ts';

interface WithConditions {
  status?: { conditions?: Condition[] | undefined } | undefined;
}

export const condition = (o: WithConditions | undefined, type: string): Condition | undefined =>
  getCondition(o?.status?.conditions, type);
