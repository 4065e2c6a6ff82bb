/** Every controller, as both runtimes run them. */
import { backupConfigurationController } from './backup-configuration/setup.ts';
import { backupSessionController } from './backup-session/setup.ts';
import type { Controller, ReconciledKind } from './controller.ts';
import { repositoryController } from './repository/setup.ts';
import { restoreSessionController } from './restore-session/setup.ts';

export const CONTROLLERS: readonly Controller[] = [
  backupConfigurationController,
  backupSessionController,
  restoreSessionController,
  repositoryController,
] as readonly Controller[];

export function controllerFor(kind: string): Controller | undefined {
  return CONTROLLERS.find((c) => c.kind === (kind as ReconciledKind));
}
