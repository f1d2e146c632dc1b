import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { evaluateTemplate } from '../../src/expr/template.js';
import { context, failure, show } from './helpers.js';

const STEP_LIMIT = 'expression exceeded the limit of 1000000 evaluation steps';

describe('reach', () => {
  it('knows no JavaScript globals', () => {
    for (const name of ['process', 'globalThis', 'require', 'Function', 'eval', 'constructor', 'this']) {
      expect(failure(name)).toBe(`error compiling expression: ${name}: unknown name ${name} (1:1)`);
    }
  });

  it('reads only own keys of maps', () => {
    expect(evaluateExpression('inputs.constructor', context())).toBe('');
    expect(evaluateExpression('inputs.__proto__', context())).toBe('');
    expect(evaluateExpression("item.value['constructor']", context())).toBeNull();
    expect(evaluateExpression('$env.hasOwnProperty', context())).toBeNull();
    expect(evaluateExpression('{}.toString', context())).toBeNull();
  });

  it('reads no properties of arrays, strings or numbers', () => {
    expect(failure('[].constructor')).toBe(
      'error evaluating expression: [].constructor: cannot fetch constructor from []interface {}',
    );
    expect(failure("'abc'.length")).toBe(
      "error evaluating expression: 'abc'.length: cannot fetch length from string",
    );
    expect(failure('(1).constructor')).toBe(
      'error evaluating expression: (1).constructor: cannot fetch constructor from int',
    );
  });

  it('calls no methods of plain values', () => {
    expect(failure('inputs.toString()')).toBe(
      'error evaluating expression: inputs.toString(): type map[string]interface {} has no method toString',
    );
    expect(failure('now().constructor()')).toBe(
      'error evaluating expression: now().constructor(): type time.Time has no method constructor',
    );
  });

  it('never calls a function found in the context', () => {
    let called = false;
    const ctx = {
      fn: () => {
        called = true;
        return 'x';
      },
    };
    expect(failure('fn()', ctx)).toBe('error compiling expression: fn(): fn is not a function (1:1)');
    expect(show('fn', ctx)).toBe('<func>');
    expect(called).toBe(false);
  });

  it('keeps __proto__ keys as data without touching prototypes', () => {
    expect(show("{'__proto__': {'polluted': 1}}.__proto__.polluted")).toBe('1');
    expect(show(`fromJSON('{"__proto__": {"polluted": 1}}').__proto__.polluted`)).toBe('1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves the context unchanged', () => {
    const ctx = context();
    const before = JSON.stringify(ctx);
    evaluateTemplate("{{ inputs.name + 'x' }} {{ sortBy([3, 1], #) }} {{ let inputs = 1; inputs }}", ctx);
    expect(JSON.stringify(ctx)).toBe(before);
  });
});

describe('bounded work', () => {
  it('stops an expression that takes too many steps', () => {
    expect(failure('map(1..100000, map(1..100000, #))')).toBe(
      `error evaluating expression: map(1..100000, map(1..100000, #)): ${STEP_LIMIT}`,
    );
  });

  it('stops predicates that loop long enough', () => {
    const source = 'reduce(1..100000, reduce(1..100, #acc + 1, 0), 0)';
    expect(failure(source)).toBe(`error evaluating expression: ${source}: ${STEP_LIMIT}`);
  });

  it('charges work on long strings by their length', () => {
    for (const op of ["s contains 'y'", 'len(s)', 's[5]', 's == upper(s)', "s in ['a', 'b']"]) {
      const source = `let s = repeat('x', 1000000); map(1..100000, ${op})`;
      expect(failure(source)).toBe(`error evaluating expression: ${source}: ${STEP_LIMIT}`);
    }
  });

  it('caps sequence() and ranges', () => {
    expect(failure('sequence(0, 100001)')).toBe(
      'error evaluating expression: sequence(0, 100001): sequence of 100001 items exceeds the limit of 100000',
    );
    expect(show('len(sequence(0, 100000))')).toBe('100000');
    expect(failure('1..200000')).toBe(
      'error evaluating expression: 1..200000: range of 200000 items exceeds the limit of 100000',
    );
  });

  it('caps the size of built strings', () => {
    const source = `let s = repeat('x', 1000000); ${Array(11).fill('s').join(' + ')}`;
    expect(failure(source)).toBe(
      `error evaluating expression: ${source}: memory budget exceeded: string longer than 10000000 characters`,
    );
  });

  it('charges printing and JSON of shared structures to the budget', () => {
    const levels = Array.from({ length: 24 }, (_, i) => `let a${i + 1} = [a${i}, a${i}];`).join(' ');
    const source = `let a0 = [1, 2]; ${levels} toJSON(a24)`;
    expect(failure(source)).toBe(`error evaluating expression: ${source}: ${STEP_LIMIT}`);
    const printed = `let a0 = [1, 2]; ${levels} a24`;
    expect(() => evaluateTemplate(`{{ ${printed} }}`, {})).toThrow(STEP_LIMIT);
  });

  it('refuses expressions nested too deeply', () => {
    const parens = `${'('.repeat(1000)}1${')'.repeat(1000)}`;
    expect(failure(parens)).toMatch(
      /^error compiling expression: .*: expression is nested too deeply \(1:\d+\)$/,
    );
    const sum = Array(2000).fill('1').join(' + ');
    expect(failure(sum)).toMatch(
      /^error compiling expression: .*: expression is nested too deeply \(1:\d+\)$/,
    );
  });

  it('keeps working after a failed evaluation', () => {
    failure('map(1..100000, map(1..100000, #))');
    expect(show('1 + 1')).toBe('2');
  });
});
