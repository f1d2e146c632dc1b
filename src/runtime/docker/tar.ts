/**
 * The little of the tar format the Docker archive API needs: writing a few small files into a
 * container, and reading one file back out. POSIX ustar headers, with a PAX record for paths
 * that do not fit.
 */

const BLOCK = 512;

export interface TarFile {
  /** Relative path inside the archive, `/`-separated, without a leading `/`. */
  path: string;
  mode: number;
  content: string | Buffer;
}

/** A tar archive holding `files`. Parent directories are created by the extracting engine. */
export function createTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    const path = Buffer.from(file.path, 'utf8');
    if (path.length > 100) {
      const record = paxRecord('path', file.path);
      parts.push(header('././@PaxHeader', 0o644, record.length, 'x'), padded(record));
    }
    parts.push(header(path.length > 100 ? 'long-path' : file.path, file.mode, content.length, '0'));
    parts.push(padded(content));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/**
 * The content of the first regular file in `tar`, or `undefined` when it holds none. The
 * Docker API answers a request for one file with an archive of just that file.
 */
export function readFirstFile(tar: Buffer): Buffer | undefined {
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) return undefined;
    const size = readSize(block.subarray(124, 136));
    const type = String.fromCharCode(block[156] ?? 0);
    const start = offset + BLOCK;
    if (type === '0' || type === '\0') return tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}

function header(name: string, mode: number, size: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.floor(Date.now() / 1000));
  block.write(type, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  // The checksum is computed with its own field filled with spaces.
  block.fill(0x20, 148, 156);
  const sum = block.reduce((acc, b) => acc + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

/** One PAX record: `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body, 'utf8');
  let length = bodyLength + String(bodyLength).length;
  if (String(length).length !== String(bodyLength).length) length += 1;
  return Buffer.from(`${length}${body}`, 'utf8');
}

function padded(content: Buffer): Buffer {
  const rest = content.length % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(BLOCK - rest)]);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

/** Octal text, or GNU base-256 when the top bit of the first byte is set (files over 8 GiB). */
function readSize(field: Buffer): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+$/g, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}
