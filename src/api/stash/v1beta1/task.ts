import { z } from 'zod';
import { kindObject, openObject, param } from '../../meta.ts';

export const taskStep = z.object({
  name: z.string().min(1, 'name (a Function name) is required'),
  params: z.array(param).optional(),
});

export const task = kindObject('stash.appscode.com/v1beta1', 'Task', {
  spec: z.object({
    steps: z.array(taskStep).min(1, 'a Task needs at least one step'),
    volumes: z.array(openObject()).optional(),
  }),
});
export type Task = z.infer<typeof task>;
