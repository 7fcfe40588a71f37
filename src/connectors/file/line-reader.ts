import { type FileHandle, open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { ConnectorError } from "../../errors.js";
import { checkInputFile } from "./input-file.js";

/**
 * Pull-based line reader over a file: reads `chunkBytes` at a time (default 64 KiB) only when
 * the caller asks for more lines, so memory stays bounded by one chunk plus one line.
 * Handles `\n` and `\r\n`, UTF-8 split across chunks, and a last line without newline.
 * @internal
 */
export class LineReader {
  private fh: FileHandle | null = null;
  private readonly decoder = new StringDecoder("utf8");
  private buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private next = 0;
  private rest = "";
  private eof = false;
  /** 1-based number of the last line handed out. */
  lineNumber = 0;

  constructor(
    readonly path: string,
    private readonly connector: string,
    private readonly chunkBytes = 64 * 1024,
  ) {}

  /** Opens the file. @throws ConnectorError naming the file (missing, a directory, empty). */
  async open(): Promise<void> {
    await checkInputFile(this.connector, this.path);
    try {
      this.fh = await open(this.path, "r");
    } catch (err) {
      throw new ConnectorError(
        `${this.connector}: cannot open "${this.path}": ${(err as Error).message}. Check the path and permissions.`,
        { connector: this.connector, file: this.path, cause: err },
      );
    }
    this.buffer = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** The next line, or `null` at the end of the file. */
  async readLine(): Promise<string | null> {
    while (this.next >= this.lines.length) {
      if (this.eof) return null;
      await this.fill();
    }
    this.lineNumber++;
    return this.lines[this.next++];
  }

  /** Lines buffered and ready without I/O. */
  get buffered(): number {
    return this.lines.length - this.next;
  }

  /** The next line if one is buffered, else `undefined` (no I/O). */
  takeBuffered(): string | undefined {
    if (this.next >= this.lines.length) return undefined;
    this.lineNumber++;
    return this.lines[this.next++];
  }

  private async fill(): Promise<void> {
    if (this.fh === null) await this.open();
    const { bytesRead } = await this.fh!.read(this.buffer, 0, this.buffer.length, null);
    let text: string;
    if (bytesRead === 0) {
      this.eof = true;
      text = this.rest + this.decoder.end();
      this.rest = "";
      this.lines = text.length > 0 ? [stripCr(text)] : [];
      this.next = 0;
      return;
    }
    text = this.rest + this.decoder.write(this.buffer.subarray(0, bytesRead));
    const parts = text.split("\n");
    this.rest = parts.pop()!;
    for (let i = 0; i < parts.length; i++) parts[i] = stripCr(parts[i]);
    this.lines = parts;
    this.next = 0;
  }

  /** Closes the file (idempotent). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
