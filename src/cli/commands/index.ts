/**
 * The command table. Each command's module (and everything it imports: the API schemas, restic,
 * the addons, the runtime) is loaded only when that command runs: a backup step is a short-lived
 * process whose start-up time and memory count against every Job, so it should not pay for `serve`.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

type Register = (program: Command, ctx: CliContext) => void;

/** Top-level command names → the module that registers them. */
const table: ReadonlyArray<[names: string[], load: () => Promise<Register>]> = [
  [['apply'], async () => (await import('./apply.ts')).registerApply],
  [['get'], async () => (await import('./get.ts')).registerGet],
  [['describe'], async () => (await import('./describe.ts')).registerDescribe],
  [['delete'], async () => (await import('./delete.ts')).registerDelete],
  [['trigger'], async () => (await import('./trigger.ts')).registerTrigger],
  [['pause', 'resume'], async () => (await import('./pause.ts')).registerPause],
  [['restore'], async () => (await import('./restore.ts')).registerRestore],
  [['snapshots'], async () => (await import('./snapshots.ts')).registerSnapshots],
  [['check'], async () => (await import('./check.ts')).registerCheck],
  [['unlock'], async () => (await import('./unlock.ts')).registerUnlock],
  [['download'], async () => (await import('./download.ts')).registerDownload],
  [['serve'], async () => (await import('./serve.ts')).registerServe],
  [['operator'], async () => (await import('./operator.ts')).registerOperator],
  [['job-run'], async () => (await import('./job-run.ts')).registerJobRun],
  [
    ['backup', 'update-status', 'create-backupsession'],
    async () => (await import('./steps.ts')).registerSteps,
  ],
];

/**
 * Registers the command named by the first word of `argv`, or every command when there is none
 * or it is unknown (help, `--version`, a typo: commander then lists them all).
 */
export async function registerCommands(
  program: Command,
  ctx: CliContext,
  argv: readonly string[],
): Promise<void> {
  const word = argv.find((a) => !a.startsWith('-'));
  const match = table.find(([names]) => word !== undefined && names.includes(word));
  for (const [, load] of match ? [match] : table) (await load())(program, ctx);
}
