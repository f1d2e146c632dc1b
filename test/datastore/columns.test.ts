import { describe, expect, it } from 'vitest';
import { fromJson, toJson } from '../../src/datastore/sql/columns.js';

describe('JSON columns', () => {
  it('writes a value without dates exactly as JSON.stringify does', () => {
    const value = { tasks: [{ name: 'a', run: 'true', env: { X: '1' } }], context: { inputs: {}, n: 3, none: null } };
    expect(toJson(value)).toBe(JSON.stringify(value));
    expect(fromJson(toJson(value))).toEqual(value);
  });

  it('keeps dates wherever they sit, however deep, and reads them back as dates', () => {
    const at = new Date('2024-05-01T10:20:30.123Z');
    const value = { top: at, list: [1, { deep: [{ when: at }] }], plain: 'x' };
    const text = toJson(value);
    expect(text).toContain('{"$date":1714558830123}');
    expect(text).not.toContain('2024-05-01T');
    const read = fromJson<typeof value>(text);
    expect(read.top).toBeInstanceOf(Date);
    expect(read.top.getTime()).toBe(at.getTime());
    expect((read.list[1] as { deep: Array<{ when: Date }> }).deep[0]!.when.getTime()).toBe(at.getTime());
    expect(read.plain).toBe('x');
  });

  it('writes a lone date and scalars as well', () => {
    expect(fromJson<Date>(toJson(new Date(5)))).toEqual(new Date(5));
    expect(toJson('text')).toBe('"text"');
    expect(toJson(null)).toBe('null');
  });
});
