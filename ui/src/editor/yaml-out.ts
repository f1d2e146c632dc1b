/** A small YAML writer for job definitions read back as JSON ("Edit & run"). Pure. */

const PLAIN = /^[A-Za-z_./][\w ./:@-]*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value: string): string {
  if (value === '') return '""';
  if (PLAIN.test(value) && !RESERVED.test(value) && !/^\s|\s$|: | #/.test(value)) return value;
  return JSON.stringify(value);
}

function write(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out[out.length - 1] += ' []';
      return;
    }
    for (const item of value) {
      out.push(`${indent}-`);
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        writeMap(item as Record<string, unknown>, `${indent}  `, out, true);
      } else {
        write(item, `${indent}  `, out);
      }
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    if (Object.keys(value).length === 0) {
      out[out.length - 1] += ' {}';
      return;
    }
    writeMap(value as Record<string, unknown>, indent, out, false);
    return;
  }
  const last = out.length - 1;
  if (typeof value === 'string' && value.includes('\n')) {
    out[last] += value.endsWith('\n') ? ' |' : ' |-';
    for (const line of value.replace(/\n$/, '').split('\n')) out.push(line === '' ? '' : `${indent}${line}`);
    return;
  }
  const text = typeof value === 'string' ? scalar(value) : JSON.stringify(value ?? null);
  out[last] += ` ${text}`;
}

function writeMap(map: Record<string, unknown>, indent: string, out: string[], firstOnDash: boolean): void {
  let first = firstOnDash;
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    const head = `${scalar(key)}:`;
    if (first) {
      out[out.length - 1] += ` ${head}`;
      first = false;
    } else {
      out.push(`${indent}${head}`);
    }
    write(value, `${indent}  `, out);
  }
}

/** `value` (a JSON object) as YAML text. */
export function toYaml(value: Record<string, unknown>): string {
  const out: string[] = [''];
  writeMap(value, '', out, false);
  return `${out.filter((line, i) => i > 0 || line !== '').join('\n')}\n`;
}
