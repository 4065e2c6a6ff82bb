/**
 * Object names Stash derives (kmodules client-go meta name helpers, stash-spec §3.1, §3.3, §3.11, §8).
 * Kubernetes caps names at 63 characters (a DNS label); CronJob names at 52, because the CronJob
 * controller appends an 11-character suffix to the Jobs it creates.
 */
import { DNS1123_LABEL_MAX_LENGTH } from '../api/object-name.ts';

const CRONJOB_NAME_MAX_LENGTH = 52;

function trimDashes(s: string): string {
  return s.replace(/^-+|-+$/g, '');
}

/** `p-n` cut to `max` from the start, trimmed of `-`. */
export function validNameWithPrefix(prefix: string, name: string, max = DNS1123_LABEL_MAX_LENGTH): string {
  return trimDashes(`${prefix}-${name}`.slice(0, max));
}

/** `n-s`, keeping the last `max` characters, trimmed of `-`. */
export function validNameWithSuffix(name: string, suffix: string, max = DNS1123_LABEL_MAX_LENGTH): string {
  const out = `${name}-${suffix}`;
  return trimDashes(out.slice(Math.max(0, out.length - max)));
}

/** `n-s` with `n` truncated so the whole fits in `max`; the suffix is always kept. */
export function nameWithSuffix(name: string, suffix: string, max = DNS1123_LABEL_MAX_LENGTH): string {
  const room = Math.max(0, max - suffix.length - 1);
  return `${name.slice(0, room)}-${suffix}`;
}

/** `p-n-s`, or when longer than `max` its first ⌈max/2⌉ and last ⌊max/2⌋ characters. */
export function validNameWithPrefixNSuffix(
  prefix: string,
  name: string,
  suffix: string,
  max = DNS1123_LABEL_MAX_LENGTH,
): string {
  const out = `${prefix}-${name}-${suffix}`;
  if (out.length <= max) return out;
  return out.slice(0, Math.ceil(max / 2)) + out.slice(out.length - Math.floor(max / 2));
}

const dotsToDashes = (s: string) => s.replaceAll('.', '-');

export interface InvokerIdentity {
  name: string;
  namespace: string;
}

/**
 * CronJob (and its ServiceAccount and RoleBinding) of a BackupConfiguration: `stash-trigger-<bc>`,
 * keeping the last 52 characters; when the target lives in another namespace the invoker namespace
 * joins the name, middle-truncated to 52.
 */
export function cronJobName(bc: InvokerIdentity, targetNamespace?: string): string {
  if (targetNamespace !== undefined && targetNamespace !== '' && targetNamespace !== bc.namespace) {
    return validNameWithPrefixNSuffix(
      'stash-trigger',
      bc.namespace,
      dotsToDashes(bc.name),
      CRONJOB_NAME_MAX_LENGTH,
    );
  }
  return validNameWithSuffix('stash-trigger', dotsToDashes(bc.name), CRONJOB_NAME_MAX_LENGTH);
}

/** Backup Job of one target: `stash-backup-<session>-<i>`, first 32 + last 31 chars when too long. */
export function backupJobName(backupSessionName: string, targetIndex: number): string {
  return validNameWithPrefixNSuffix('stash-backup', dotsToDashes(backupSessionName), String(targetIndex));
}

/**
 * Restore Job: `stash-restore-<restoreSession>-<i>`; with volumeClaimTemplates there is one Job per
 * ordinal, `…-<i>-<ordinal>`. Same truncation as backup Jobs.
 */
export function restoreJobName(restoreSessionName: string, targetIndex: number, ordinal?: number): string {
  const suffix = ordinal === undefined ? String(targetIndex) : `${targetIndex}-${ordinal}`;
  return validNameWithPrefixNSuffix('stash-restore', dotsToDashes(restoreSessionName), suffix);
}

/** BackupSession created by the trigger: `<bc>-<unix seconds>`, the invoker name cut so the total ≤ 63. */
export function backupSessionName(backupConfigurationName: string, unixSeconds: number): string {
  return nameWithSuffix(backupConfigurationName, String(Math.trunc(unixSeconds)));
}

/** Interim PVC: `<owner session>-<template name>`, cut to 63 keeping the start. */
export function interimPvcName(ownerName: string, templateName: string): string {
  return validNameWithPrefix(ownerName, templateName);
}

/** The CronJob's ServiceAccount when runtimeSettings names none: named like the CronJob. */
export function cronJobServiceAccountName(bc: InvokerIdentity, targetNamespace?: string): string {
  return cronJobName(bc, targetNamespace);
}
