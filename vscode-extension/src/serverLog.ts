/**
 * The server's stderr log, read line by line into VS Code's log output channel at the level
 * each line was written with, so an INFO line shows as `[info]` (not every line as `[error]`,
 * which is how vscode-languageclient writes stderr by default). The server writes `tracing`'s
 * format: `<RFC 3339 time>  <LEVEL> <message>`; the channel adds its own time, so the server's is
 * dropped. No `vscode` import: unit tested under plain Node.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LINE = /^\d{4}-\d{2}-\d{2}T\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$/;

/** The level and text of one stderr line. Lines without a level (a panic's backtrace, say) keep
 * the level of the line before them; a panic itself is an error. */
export function parseServerLogLine(line: string, previous: LogLevel = 'info'): { level: LogLevel; text: string } {
  const m = LINE.exec(line);
  if (m) return { level: m[1].toLowerCase() as LogLevel, text: m[2] };
  if (/panicked at/.test(line)) return { level: 'error', text: line };
  return { level: previous, text: line };
}

/** The methods of a log output channel this module writes to. */
export interface LevelledSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Feeds stderr lines to `sink`, each at its level. */
export class ServerLogReader {
  private level: LogLevel = 'info';

  constructor(private readonly sink: LevelledSink) {}

  line(line: string): void {
    const parsed = parseServerLogLine(line, this.level);
    this.level = parsed.level;
    this.sink[parsed.level](parsed.text);
  }
}
