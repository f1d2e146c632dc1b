/**
 * A tree-walking evaluator. It reaches only what it is given: names resolve to `let`
 * variables and the context's own keys, member access reads own keys of plain objects
 * and items of arrays and strings, and calls go to the built-in table or the whitelisted
 * methods of time values. Every node visited is charged to the step budget.
 */
import type { Node } from './ast.js';
import { Budget, checkedString } from './budget.js';
import { RuntimeFault } from './errors.js';
import { printValue } from './format.js';
import { BUILTINS } from './functions/registry.js';
import type { PredicateCall, Runtime } from './functions/types.js';
import { callMethod } from './methods.js';
import { binaryOperator, unaryOperator } from './operators.js';
import { fetch, slice } from './access.js';
import { fromHost, hasOwn, isNil, newMap, typeName } from './values.js';

interface Scope {
  name: string;
  value: unknown;
  parent: Scope | undefined;
}

interface Frame {
  item: unknown;
  index: number;
  acc: unknown;
}

/** Thrown by an optional access on nil; the enclosing chain turns it into nil. */
const SHORT_CIRCUIT = Symbol('short-circuit');

export class Interpreter implements Runtime {
  readonly stringMaps = new WeakSet<object>();
  private readonly frames: Frame[] = [];

  constructor(
    private readonly env: Record<string, unknown>,
    readonly budget: Budget = new Budget(),
  ) {}

  run(node: Node): unknown {
    return this.eval(node, undefined);
  }

  private eval(node: Node, scope: Scope | undefined): unknown {
    this.budget.charge();
    switch (node.kind) {
      case 'nil':
        return null;
      case 'bool':
      case 'int':
      case 'float':
      case 'string':
        return node.value;
      case 'ident':
        return this.lookup(node.name, scope);
      case 'pointer':
        return this.pointer(node.name);
      case 'unary':
        return unaryOperator(node.op, this.eval(node.operand, scope));
      case 'binary':
        return this.binary(node, scope);
      case 'member': {
        const object = this.eval(node.object, scope);
        if (node.optional && isNil(object)) throw SHORT_CIRCUIT;
        return fetch(object, this.eval(node.property, scope), this);
      }
      case 'slice':
        return slice(
          this.eval(node.object, scope),
          node.from && this.eval(node.from, scope),
          node.to && this.eval(node.to, scope),
          this.budget,
        );
      case 'chain':
        try {
          return this.eval(node.node, scope);
        } catch (err) {
          if (err === SHORT_CIRCUIT) return null;
          throw err;
        }
      case 'call':
        return this.call(node.name, node.args, scope);
      case 'method': {
        const object = fromHost(this.eval(node.object, scope));
        if (node.optional && isNil(object)) throw SHORT_CIRCUIT;
        return callMethod(
          object,
          node.name,
          node.args.map((a) => this.eval(a, scope)),
        );
      }
      case 'conditional': {
        const cond = this.eval(node.cond, scope);
        if (typeof cond !== 'boolean') {
          throw new RuntimeFault(`non-bool expression (type ${typeName(cond)}) used as condition`);
        }
        return this.eval(cond ? node.then : node.otherwise, scope);
      }
      case 'array':
        return node.items.map((item) => this.eval(item, scope));
      case 'map': {
        const map = newMap();
        for (const pair of node.pairs) {
          const key = this.eval(pair.key, scope);
          map[typeof key === 'string' ? key : printValue(key, this.budget)] = this.eval(pair.value, scope);
        }
        return map;
      }
      case 'let':
        return this.eval(node.body, { name: node.name, value: this.eval(node.value, scope), parent: scope });
      case 'sequence': {
        let last: unknown = null;
        for (const n of node.nodes) last = this.eval(n, scope);
        return last;
      }
      case 'predicate':
        throw new RuntimeFault('predicate used outside of a call');
    }
  }

  private lookup(name: string, scope: Scope | undefined): unknown {
    for (let s = scope; s; s = s.parent) if (s.name === name) return s.value;
    if (name === '$env') return this.env;
    if (hasOwn(this.env, name)) return fromHost(this.env[name]);
    throw new RuntimeFault(`unknown name ${name}`);
  }

  private pointer(name: string): unknown {
    const frame = this.frames[this.frames.length - 1];
    if (!frame) throw new RuntimeFault('cannot use pointer accessor outside predicate');
    if (name === 'index') return BigInt(frame.index);
    if (name === 'acc') return frame.acc;
    return frame.item;
  }

  private binary(node: Extract<Node, { kind: 'binary' }>, scope: Scope | undefined): unknown {
    const { op } = node;
    if (op === 'and' || op === '&&' || op === 'or' || op === '||') {
      const isAnd = op === 'and' || op === '&&';
      const left = this.eval(node.left, scope);
      if (typeof left !== 'boolean')
        throw new RuntimeFault(`invalid operation: ${typeName(left)} ${op} bool`);
      if (left !== isAnd) return left;
      const right = this.eval(node.right, scope);
      if (typeof right !== 'boolean')
        throw new RuntimeFault(`invalid operation: bool ${op} ${typeName(right)}`);
      return right;
    }
    if (op === '??') {
      const left = this.eval(node.left, scope);
      return isNil(left) ? this.eval(node.right, scope) : left;
    }
    const result = binaryOperator(op, this.eval(node.left, scope), this.eval(node.right, scope), this.budget);
    return typeof result === 'string' ? checkedString(result) : result;
  }

  private call(name: string, args: Node[], scope: Scope | undefined): unknown {
    const builtin = Object.prototype.hasOwnProperty.call(BUILTINS, name) ? BUILTINS[name] : undefined;
    if (!builtin) throw new RuntimeFault(`unknown name ${name}`);
    if (builtin.kind === 'value')
      return builtin.run(
        args.map((a) => this.eval(a, scope)),
        this,
      );
    const call: PredicateCall = {
      budget: this.budget,
      stringMaps: this.stringMaps,
      value: (n) => this.eval(n, scope),
      apply: (predicate, item, index, acc) => {
        if (predicate.kind !== 'predicate') return this.eval(predicate, scope);
        this.frames.push({ item: fromHost(item), index, acc });
        try {
          return this.eval(predicate.body, scope);
        } finally {
          this.frames.pop();
        }
      },
    };
    return builtin.run(args, call);
  }
}
