import { randomBytes, randomUUID } from 'node:crypto';

/** Job, task, log part, scheduled job, user and role ids: UUID v4 as 32 lower-case hex digits. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

const BASE57 = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Node ids: a 22-character base57 "short UUID", as Tork prints them. */
export function newNodeId(): string {
  let n = BigInt('0x' + randomBytes(16).toString('hex'));
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = BASE57[Number(n % 57n)]! + out;
    n /= 57n;
  }
  return out;
}
