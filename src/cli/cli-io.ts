/** Where the commands write (injected so that tests can capture it). */
export interface CliIo {
  /** Writes a line to stdout. */
  out(line: string): void;
  /** Writes a line to stderr. */
  err(line: string): void;
  /** Whether stderr is a terminal (the progress line shows only there). */
  readonly errTTY: boolean;
  readonly errStream: NodeJS.WriteStream;
  /** Ends the process (`process.exit`). */
  exit(code: number): never;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  errTTY: process.stderr.isTTY === true,
  errStream: process.stderr,
  exit: (code) => process.exit(code),
};
