/**
 * The `stowage` command: one binary, many subcommands (user commands, `serve`, and the in-job
 * steps). This is the only place that reads argv and env, and the one error boundary that turns
 * errors into a message and an exit code — never a stack trace for a known error.
 */
import { DEFAULT_NAMESPACE } from '../api/well-known.ts';
import { VERSION } from '../version.ts';
import { Command, CommanderError } from 'commander';
import { isStowageError, ValidationError } from '../errors.ts';
import { loadConfig } from './config.ts';
import type { CliContext } from './context.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { createLogger } from './logger.ts';
import { registerCommands } from './commands/index.ts';

async function main(argv: string[]): Promise<number> {
  const isTTY = process.stderr.isTTY === true;
  let config;
  try {
    config = loadConfig(process.env, isTTY);
  } catch (e) {
    process.stderr.write(`stowage: invalid environment: ${(e as Error).message}\n`);
    return ExitCode.InvalidInput;
  }
  const ctx: CliContext = {
    config,
    logger: createLogger(config.logLevel, config.logFormat),
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    warn: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: isTTY,
    defaultNamespace:
      config.runtime === 'kubernetes'
        ? await (await import('./context-namespace.ts')).defaultNamespace(config)
        : DEFAULT_NAMESPACE,
    selfCommand: [
      process.execPath,
      '--disable-warning=ExperimentalWarning',
      ...process.execArgv.filter((a) => !a.startsWith('--disable-warning')),
      process.argv[1] ?? '',
    ],
  };
  const program = new Command('stowage')
    .description('Back up and restore databases with the Stash API, on Kubernetes or on one machine.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  try {
    await registerCommands(program, ctx, argv);
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
      ? ExitCode.Ok
      : ExitCode.InvalidInput;
  }
  if (e instanceof ValidationError) {
    process.stderr.write(`error: ${e.message}\n`);
    return ExitCode.InvalidInput;
  }
  if (isStowageError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    return exitCodeFor(e);
  }
  process.stderr.write(
    `internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nThis is a bug in stowage; please report it with the command you ran.\n`,
  );
  return ExitCode.Internal;
}

process.exitCode = await main(process.argv.slice(2));
