import { z } from 'zod';
import { condition, kindObject, targetRef } from '../../meta.ts';
import { hostPhase, sessionTiming } from './common.ts';

export const backupSessionPhase = z.enum(['Pending', 'Skipped', 'Running', 'Succeeded', 'Failed', 'Unknown']);
export type BackupSessionPhase = z.infer<typeof backupSessionPhase>;
export const targetPhase = z.enum(['Pending', 'Running', 'Succeeded', 'Failed']);
export type TargetPhase = z.infer<typeof targetPhase>;

export const snapshotStats = z.object({
  name: z.string().optional(),
  path: z.string().optional(),
  totalSize: z.string().optional(),
  uploaded: z.string().optional(),
  processingTime: z.string().optional(),
  fileStats: z
    .object({
      totalFiles: z.number().int().optional(),
      newFiles: z.number().int().optional(),
      modifiedFiles: z.number().int().optional(),
      unmodifiedFiles: z.number().int().optional(),
    })
    .optional(),
});
export type SnapshotStats = z.infer<typeof snapshotStats>;

export const hostBackupStats = z.object({
  hostname: z.string().optional(),
  phase: hostPhase.optional(),
  snapshots: z.array(snapshotStats).optional(),
  duration: z.string().optional(),
  error: z.string().optional(),
});
export type HostBackupStats = z.infer<typeof hostBackupStats>;

export const backupTargetStatus = z.object({
  ref: targetRef,
  totalHosts: z.number().int().optional(),
  phase: targetPhase.optional(),
  stats: z.array(hostBackupStats).optional(),
  conditions: z.array(condition).optional(),
  preBackupActions: z.array(z.string()).optional(),
  postBackupActions: z.array(z.string()).optional(),
});
export type BackupTargetStatus = z.infer<typeof backupTargetStatus>;

export const backupSessionStatus = z.object({
  phase: backupSessionPhase.optional(),
  ...sessionTiming,
  retried: z.boolean().optional(),
  nextRetry: z.string().optional(),
  targets: z.array(backupTargetStatus).optional(),
  conditions: z.array(condition).optional(),
});
export type BackupSessionStatus = z.infer<typeof backupSessionStatus>;

export const backupInvokerRef = z.object({
  apiGroup: z.string().default('stash.appscode.com'),
  kind: z.enum(['BackupConfiguration', 'BackupBatch']),
  name: z.string().min(1),
});

export const backupSession = kindObject('stash.appscode.com/v1beta1', 'BackupSession', {
  spec: z.object({ invoker: backupInvokerRef, retryLeft: z.number().int().optional() }),
  status: backupSessionStatus.optional(),
});
export type BackupSession = z.infer<typeof backupSession>;
