import { pino } from 'pino';

export type LoggerOptions = { name: string; level?: string };

/** JSON logs with secrets redacted wherever they might appear. */
export function createLogger(opts: LoggerOptions): pino.Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    redact: {
      paths: [
        'password',
        '*.password',
        'access_token',
        'refresh_token',
        '*.access_token',
        '*.refresh_token',
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger } from 'pino';
