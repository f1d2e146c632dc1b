import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { failure, show } from './helpers.js';

describe('array functions', () => {
  it.each([
    ['len([1, 2, 3])', '3'],
    ["len('héllo')", '5'],
    ['len({a: 1, b: 2})', '2'],
    ['get([1, 2], 1)', '2'],
    ['get([1, 2], 5)', '<nil>'],
    ["get({a: 1}, 'a')", '1'],
    ["get({a: 1}, 'b')", '<nil>'],
    ['get(nil, 1)', '<nil>'],
    ['concat([1], [2, 3], [])', '[1 2 3]'],
    ['flatten([1, [2, [3, [4]]]])', '[1 2 3 4]'],
    ["uniq([1, 1.0, 2, 'a', 'a'])", '[1 2 a]'],
    ["join(['a', 'b', 'c'], ', ')", 'a, b, c'],
    ["join(['a', 'b'])", 'ab'],
    ['first([3, 4])', '3'],
    ['first([])', '<nil>'],
    ['last([3, 4])', '4'],
    ['last([])', '<nil>'],
    ['take([1, 2, 3], 2)', '[1 2]'],
    ['take([1, 2, 3], 10)', '[1 2 3]'],
    ['reverse([1, 2, 3])', '[3 2 1]'],
    ['sort([3, 1.5, 2])', '[1.5 2 3]'],
    ["sort(['b', 'a', 'c'], 'desc')", '[c b a]'],
    ['max(1, 3, 2)', '3'],
    ['max([1, 2.5], 2)', '2.5'],
    ['min([4, 2, 8])', '2'],
    ['max([])', '<nil>'],
    ['mean([1, 2, 3, 4])', '2.5'],
    ['mean([])', '0'],
    ['median([3, 1, 2])', '2'],
    ['median([4, 1, 2, 3])', '2.5'],
    ['median([])', '0'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('refuses join of non-strings', () => {
    expect(failure('join([1, 2])')).toBe(
      'error evaluating expression: join([1, 2]): invalid argument for join (item of type int)',
    );
  });

  it('refuses sort with an unknown order', () => {
    expect(failure("sort([1], 'up')")).toBe(
      "error evaluating expression: sort([1], 'up'): invalid order up, expected asc or desc",
    );
  });

  it('refuses max of non-numbers', () => {
    expect(failure("max(1, 'a')")).toBe(
      "error evaluating expression: max(1, 'a'): invalid argument for max (type string)",
    );
  });

  it('refuses len of a number', () => {
    expect(failure('len(1)')).toBe(
      'error evaluating expression: len(1): invalid argument for len (type int)',
    );
  });
});

describe('map functions', () => {
  it('lists keys and values', () => {
    expect(show('sort(keys({b: 1, a: 2}))')).toBe('[a b]');
    expect(show('sort(values({b: 1, a: 2}))')).toBe('[1 2]');
  });

  it('converts to and from pairs', () => {
    expect(show('toPairs({a: 1})')).toBe('[[a 1]]');
    expect(show("fromPairs([['a', 1], ['b', [2]]])")).toBe('map[a:1 b:[2]]');
  });

  it('refuses a malformed pair', () => {
    expect(failure("fromPairs([['a']])")).toBe(
      "error evaluating expression: fromPairs([['a']]): invalid pair []interface {}",
    );
  });

  it('refuses keys of a non-map', () => {
    expect(failure('keys([1])')).toBe(
      'error evaluating expression: keys([1]): cannot use []interface {} as argument (type map[string]interface {}) to call keys',
    );
  });
});

describe('predicate functions', () => {
  it.each([
    ['all([1, 2], # > 0)', 'true'],
    ['all([], # > 0)', 'true'],
    ['any([1, 2], # > 1)', 'true'],
    ['any([], # > 1)', 'false'],
    ['one([1, 2, 3], # > 2)', 'true'],
    ['one([1, 2, 3], # > 1)', 'false'],
    ['none([1, 2], # > 2)', 'true'],
    ['none([], # > 2)', 'true'],
    ['map([1, 2], # * 2)', '[2 4]'],
    ['filter([1, 2, 3, 4], # % 2 == 0)', '[2 4]'],
    ['find([1, 2, 3], # > 1)', '2'],
    ['find([1, 2, 3], # > 5)', '<nil>'],
    ['findIndex([1, 2, 3], # > 1)', '1'],
    ['findIndex([1, 2, 3], # > 5)', '-1'],
    ['findLast([1, 2, 3], # > 1)', '3'],
    ['findLastIndex([1, 2, 3], # > 1)', '2'],
    ['findLastIndex([1, 2, 3], # > 5)', '-1'],
    ['groupBy([1, 2, 3, 4, 5], # % 2)', 'map[0:[2 4] 1:[1 3 5]]'],
    ["groupBy(['ab', 'c', 'de'], len(#))", 'map[1:[c] 2:[ab de]]'],
    ['count([1, 2, 3], # > 1)', '2'],
    ['count([true, false, true])', '2'],
    ['sum([1, 2, 3])', '6'],
    ['sum([1, 2.5])', '3.5'],
    ['sum([])', '0'],
    ['sum([{n: 1}, {n: 2}], .n)', '3'],
    ['sortBy([3, 1, 2], #)', '[1 2 3]'],
    ["sortBy([{n: 'b'}, {n: 'a'}], .n, 'desc')", '[map[n:b] map[n:a]]'],
    ['reduce([1, 2, 3], #acc + #)', '6'],
    ["reduce(['a', 'b'], #acc + #, '>')", '>ab'],
    ['reduce([10, 20], #acc + #index, 0)', '1'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('keeps item types in map results', () => {
    expect(evaluateExpression('map([1, 2], # * 2)', {})).toEqual([2n, 4n]);
  });

  it('refuses a predicate that does not return a boolean', () => {
    expect(failure('filter([1], # + 1)')).toBe(
      'error evaluating expression: filter([1], # + 1): predicate of filter should return boolean (got int)',
    );
  });

  it('refuses to iterate over a non-array', () => {
    expect(failure('map(1, #)')).toBe(
      'error evaluating expression: map(1, #): builtin map takes only array (got int)',
    );
  });

  it('refuses reduce of an empty array without an initial value', () => {
    expect(failure('reduce([], #acc)')).toBe(
      'error evaluating expression: reduce([], #acc): reduce of empty array with no initial value',
    );
  });

  it('nests predicates with the innermost # in scope', () => {
    expect(show('map([[1, 2], [3]], sum(map(#, # * 10)))')).toBe('[30 30]');
  });
});
