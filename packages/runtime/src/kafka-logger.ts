import { logLevel as kafkaLogLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs logs through pino; its retriable errors arrive at error level, so they are logged at warn. */
export function kafkaLogger(log: Logger) {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return () =>
    ({ level, log: entry }: { level: number; log: { message: string; [key: string]: unknown } }) => {
      const { message, ...fields } = entry;
      if (level === kafkaLogLevel.ERROR || level === kafkaLogLevel.WARN) kafkaLog.warn(fields, message);
      else if (level === kafkaLogLevel.INFO) kafkaLog.debug(fields, message);
    };
}
