import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { HostConfigError } from './config/host-config';

/** From quietest to most verbose; LOG_LEVEL=warn shows warnings and errors. */
const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Nest's own start-up lines (a line per module and per route, ~120 in this host): useful when debugging, noise on
 * every start. Shown from LOG_LEVEL=debug.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

class HostLogger extends ConsoleLogger {
  constructor(
    levels: LogLevel[],
    private readonly startUpLines: boolean,
  ) {
    super({ logLevels: levels });
  }

  override log(message: unknown, context?: string): void {
    if (!this.startUpLines && context !== undefined && START_UP_CONTEXTS.has(context)) return;
    super.log(message, context);
  }
}

/**
 * The logger of `npm start` and `npm run demo`: LOG_LEVEL (fatal, error, warn, log, debug, verbose) or the
 * caller's default, and everything quieter than it.
 */
export function createHostLogger(env: NodeJS.ProcessEnv, fallback: LogLevel): ConsoleLogger {
  const wanted = (env['LOG_LEVEL'] ?? fallback).trim().toLowerCase() as LogLevel;
  const index = LEVELS.indexOf(wanted);
  if (index === -1) {
    throw new HostConfigError([`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${env['LOG_LEVEL']}"`]);
  }
  return new HostLogger(LEVELS.slice(0, index + 1), index >= LEVELS.indexOf('debug'));
}
