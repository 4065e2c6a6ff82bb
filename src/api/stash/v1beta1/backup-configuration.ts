import { z } from 'zod';
import { condition, goDuration, kindObject, taskRef } from '../../meta.ts';
import { retentionPolicy } from '../v1alpha1/repository.ts';
import {
  backupHooks,
  backupTarget,
  driver,
  emptyDirSettings,
  interimVolumeTemplate,
  repositoryRef,
  retryConfig,
  runtimeSettings,
} from './common.ts';

export const backupConfigurationSpec = z.object({
  task: taskRef.optional(),
  target: backupTarget.optional(),
  runtimeSettings: runtimeSettings.optional(),
  tempDir: emptyDirSettings.optional(),
  interimVolumeTemplate: interimVolumeTemplate.optional(),
  hooks: backupHooks.optional(),
  schedule: z.string().optional(),
  driver: driver.default('Restic'),
  repository: repositoryRef.optional(),
  retentionPolicy,
  paused: z.boolean().optional(),
  backupHistoryLimit: z.number().int().default(1),
  timeOut: goDuration.optional(),
  retryConfig: retryConfig.optional(),
});

export const backupInvokerPhase = z.enum(['Invalid', 'Ready', 'NotReady']);
export type BackupInvokerPhase = z.infer<typeof backupInvokerPhase>;

export const backupConfigurationStatus = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(condition).optional(),
  phase: backupInvokerPhase.optional(),
});

export const backupConfiguration = kindObject('stash.appscode.com/v1beta1', 'BackupConfiguration', {
  spec: backupConfigurationSpec.refine((s) => s.driver !== 'Restic' || s.repository !== undefined, {
    message: 'repository is required when driver is Restic',
    path: ['repository'],
  }),
  status: backupConfigurationStatus.optional(),
});
export type BackupConfiguration = z.infer<typeof backupConfiguration>;
