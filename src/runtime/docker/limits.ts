import { readFileSync } from 'node:fs';
import { TaskFailure } from '../runtime.js';

/**
 * Task `limits` and `gpus` in the forms `docker run` accepts, turned into Engine API values.
 * Every parser throws a `TaskFailure` naming the bad value, so the task fails before anything
 * is created.
 */

const NANO = 1_000_000_000n;

/** `"1"`, `".5"`, `"0.25"`, `"1/2"` → nano-CPUs. Must be a whole number of nano-CPUs and above 0. */
export function parseCpus(value: string): number {
  const fail = (why: string): never => {
    throw new TaskFailure(`invalid CPUs value: ${JSON.stringify(value)}: ${why}`);
  };
  const text = value.trim();
  let nano: bigint;
  const fraction = /^(\d+)\/(\d+)$/.exec(text);
  const decimal = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (fraction) {
    const [num, den] = [BigInt(fraction[1]!), BigInt(fraction[2]!)];
    if (den === 0n) fail('division by zero');
    if ((num * NANO) % den !== 0n) fail('too precise (whole nano-CPUs only)');
    nano = (num * NANO) / den;
  } else if (decimal && /\d/.test(text)) {
    const whole = decimal[1] || '0';
    const digits = (decimal[2] ?? '').replace(/0+$/, '');
    if (digits.length > 9) fail('too precise (at most 9 decimal places)');
    nano = BigInt(whole) * NANO + BigInt(digits.padEnd(9, '0'));
  } else {
    return fail('expected a number or a fraction such as 1, 0.5 or 1/2');
  }
  if (nano <= 0n) fail('must be more than 0');
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) fail('too large');
  return Number(nano);
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** `"10m"`, `"1g"`, `"512MB"`, `"1.5GiB"` (binary multiples, case-insensitive) → bytes. */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new TaskFailure(
      `invalid memory value: ${JSON.stringify(value)}: expected a size such as 64m, 512MB or 1g`,
    );
  }
  return bytes;
}

/** The Engine API's `DeviceRequest`, described here so no library type leaves this folder. */
export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[];
  Capabilities: string[][];
}

/**
 * `docker run --gpus` syntax: `all`, `2`, or comma-separated `count=`, `device=`, `driver=`,
 * `capabilities=` (values with commas quoted, as in `"device=0,1"`). A bare item after
 * `device=` or `capabilities=` continues that list, so the unquoted `device=0,1` works too.
 */
export function parseGpus(value: string): DeviceRequest {
  const fail = (why: string): never => {
    throw new TaskFailure(`invalid gpus value: ${JSON.stringify(value)}: ${why}`);
  };
  const request: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: [], Capabilities: [] };
  const capabilities: string[] = [];
  let list: string[] | undefined;
  for (const item of splitCsv(value)) {
    const eq = item.indexOf('=');
    const [key, val] = eq < 0 ? ['', item] : [item.slice(0, eq), item.slice(eq + 1)];
    if (key === '' && list) {
      list.push(val);
      continue;
    }
    list = undefined;
    if (key === '' || key === 'count') request.Count = parseCount(val, fail);
    else if (key === 'device') (list = request.DeviceIDs).push(...val.split(','));
    else if (key === 'capabilities') (list = capabilities).push(...val.split(','));
    else if (key === 'driver') request.Driver = val;
    else fail(`unknown option ${JSON.stringify(key)}`);
  }
  if (request.Count !== 0 && request.DeviceIDs.length > 0) fail('count and device cannot be used together');
  request.Capabilities = [capabilities.length > 0 ? capabilities : ['gpu']];
  return request;
}

function parseCount(text: string, fail: (why: string) => never): number {
  if (text === 'all') return -1;
  if (!/^\d+$/.test(text)) return fail(`count must be a number or "all", got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Split on commas outside double quotes; quotes are removed. */
function splitCsv(text: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

/**
 * `nofile` and `nproc` ulimits for Podman containers, within this machine's hard limits. Podman
 * asks for 1048576 open files by default, and runc cannot raise a limit without
 * CAP_SYS_RESOURCE ("error setting rlimits"); Podman itself runs with at most 32768 processes.
 * Reads `/proc/self/limits`; `undefined` where that cannot be read.
 */
export function hostUlimits(
  limitsText?: string,
): Array<{ Name: string; Soft: number; Hard: number }> | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const hard = (label: string, cap: number): number | undefined => {
    const match = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(text);
    if (!match) return undefined;
    return match[1] === 'unlimited' ? cap : Math.min(Number(match[1]), cap);
  };
  const nofile = hard('Max open files', 1_048_576);
  const nproc = hard('Max processes', 32_768);
  if (nofile === undefined || nproc === undefined) return undefined;
  return [
    { Name: 'nofile', Soft: nofile, Hard: nofile },
    { Name: 'nproc', Soft: nproc, Hard: nproc },
  ];
}
