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
  /** Byte length (with its `\n`) of each line in `lines`. */
  private sizes: number[] = [];
  /** File offset of the next read. */
  private filePos = 0;
  /** 1-based number of the last line handed out. */
  lineNumber = 0;
  /** Byte offset in the file just after the last line handed out (its newline included). */
  byteOffset = 0;

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
    this.byteOffset += this.sizes[this.next];
    return this.lines[this.next++];
  }

  /**
   * Goes on from byte `offset` (the start of a line, as {@link LineReader.byteOffset} gave it),
   * whose preceding lines are numbered up to `lineNumber`. Buffered lines are dropped.
   */
  seek(offset: number, lineNumber: number): void {
    this.filePos = offset;
    this.byteOffset = offset;
    this.lineNumber = lineNumber;
    this.lines = [];
    this.sizes = [];
    this.next = 0;
    this.rest = "";
    this.eof = false;
    this.decoder.end();
  }

  /** Lines buffered and ready without I/O. */
  get buffered(): number {
    return this.lines.length - this.next;
  }

  /** The next line if one is buffered, else `undefined` (no I/O). */
  takeBuffered(): string | undefined {
    if (this.next >= this.lines.length) return undefined;
    this.lineNumber++;
    this.byteOffset += this.sizes[this.next];
    return this.lines[this.next++];
  }

  private async fill(): Promise<void> {
    if (this.fh === null) await this.open();
    const { bytesRead } = await this.fh!.read(this.buffer, 0, this.buffer.length, this.filePos);
    this.filePos += bytesRead;
    let text: string;
    if (bytesRead === 0) {
      this.eof = true;
      text = this.rest + this.decoder.end();
      this.rest = "";
      this.lines = text.length > 0 ? [stripCr(text)] : [];
      this.sizes = text.length > 0 ? [Buffer.byteLength(text)] : [];
      this.next = 0;
      return;
    }
    text = this.rest + this.decoder.write(this.buffer.subarray(0, bytesRead));
    const parts = text.split("\n");
    this.rest = parts.pop()!;
    const sizes = new Array<number>(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      // byte length of the line and its newline (ASCII lines: their string length)
      sizes[i] = (isAscii(p) ? p.length : Buffer.byteLength(p)) + 1;
      parts[i] = stripCr(p);
    }
    this.lines = parts;
    this.sizes = sizes;
    this.next = 0;
  }

  /** Closes the file (idempotent). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}

/** Whether every char of `s` is below 0x80 (so its UTF-8 length is its length). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
