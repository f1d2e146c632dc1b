import { StringDecoder } from 'node:string_decoder';

/**
 * Container output. Without a TTY the Engine API multiplexes stdout and stderr on one stream,
 * each frame led by an 8-byte header (stream id, 3 zero bytes, big-endian length). The header
 * bytes must never reach the task log.
 */
export class OutputDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = new Map<number, StringDecoder>();

  constructor(private readonly onText: (text: string) => void) {}

  /** Feed raw bytes as they arrive; frames may be split across chunks at any byte. */
  write(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const streamId = this.pending[0]!;
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      this.emit(streamId, this.pending.subarray(8, 8 + length));
      this.pending = this.pending.subarray(8 + length);
    }
  }

  /** Emit what the decoders still hold (a character cut short by the end of the stream). */
  end(): void {
    for (const decoder of this.decoders.values()) {
      const rest = decoder.end();
      if (rest) this.onText(rest);
    }
  }

  private emit(streamId: number, payload: Buffer): void {
    let decoder = this.decoders.get(streamId);
    if (!decoder) this.decoders.set(streamId, (decoder = new StringDecoder('utf8')));
    const text = decoder.write(payload);
    if (text) this.onText(text);
  }
}

const TAIL_LINES = 10;
const TAIL_KEEP_CHARS = 8192;

/** The last lines of a task's output, for the failure message. */
export class OutputTail {
  private buffer = '';

  push(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 2 * TAIL_KEEP_CHARS) this.buffer = this.buffer.slice(-TAIL_KEEP_CHARS);
  }

  /** Start over from a complete copy of the output (the engine's stored log). */
  replaceWith(output: string): void {
    this.buffer = output.slice(-TAIL_KEEP_CHARS);
  }

  text(): string {
    return this.buffer.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  }
}
