/**
 * RE2-style regular expressions for `matches`, run by a Pike VM: time is linear in the
 * input for every pattern (no backtracking, so no catastrophic patterns), and each
 * position scanned is charged to the evaluation budget. Supports the RE2 syntax users
 * write: literals, `.`, classes (`[a-z]`, `[^...]`, `[[:alpha:]]`, `\d \w \s \pL`), anchors
 * (`^ $ \A \z \b \B`), groups (`(...)`, `(?:...)`, `(?P<n>...)`), flags (`(?i) (?s) (?m)`),
 * alternation and repetition (`* + ? {n,m}`, lazy forms). Like RE2, no back-references or
 * look-around.
 */
import type { Budget } from './budget.js';
import { RuntimeFault } from './errors.js';
import { isWordChar, RegexParser, type AssertKind, type RNode, type Test } from './regex-parse.js';

type Inst =
  | { op: 'char'; test: Test }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; kind: AssertKind }
  | { op: 'match' };

const MAX_PROGRAM = 10_000;

/** Compile the tree into Pike VM instructions. */
function compile(root: RNode): Inst[] {
  const prog: Inst[] = [];
  const emit = (inst: Inst): number => {
    if (prog.length >= MAX_PROGRAM) throw new RuntimeFault('error parsing regexp: expression too large');
    prog.push(inst);
    return prog.length - 1;
  };
  const gen = (node: RNode): void => {
    switch (node.t) {
      case 'char':
        emit({ op: 'char', test: node.test });
        return;
      case 'assert':
        emit({ op: 'assert', kind: node.kind });
        return;
      case 'cat':
        node.items.forEach(gen);
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.items.forEach((item, idx) => {
          if (idx < node.items.length - 1) {
            const split = emit({ op: 'split', x: prog.length + 1, y: 0 });
            gen(item);
            jumps.push(emit({ op: 'jmp', x: 0 }));
            (prog[split] as { y: number }).y = prog.length;
          } else {
            gen(item);
          }
        });
        for (const j of jumps) (prog[j] as { x: number }).x = prog.length;
        return;
      }
      case 'repeat': {
        for (let k = 0; k < node.min; k++) gen(node.node);
        if (node.max === Infinity) {
          const split = emit({ op: 'split', x: prog.length + 1, y: 0 });
          gen(node.node);
          emit({ op: 'jmp', x: split });
          (prog[split] as { y: number }).y = prog.length;
          return;
        }
        const splits: number[] = [];
        for (let k = node.min; k < node.max; k++) {
          splits.push(emit({ op: 'split', x: prog.length + 1, y: 0 }));
          gen(node.node);
        }
        for (const s of splits) (prog[s] as { y: number }).y = prog.length;
      }
    }
  };
  gen(root);
  emit({ op: 'match' });
  return prog;
}

function assertHolds(kind: AssertKind, input: number[], pos: number): boolean {
  const prev = input[pos - 1];
  const next = input[pos];
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === input.length;
    case 'bol':
      return pos === 0 || prev === 10;
    case 'eol':
      return pos === input.length || next === 10;
    case 'word':
    case 'notword': {
      const boundary = (prev !== undefined && isWordChar(prev)) !== (next !== undefined && isWordChar(next));
      return kind === 'word' ? boundary : !boundary;
    }
  }
}

/** Whether `input` contains a match of `prog`, charging the work to `budget`. */
function run(prog: Inst[], input: number[], budget: Budget): boolean {
  let current: number[] = [];
  let seen = new Uint32Array(prog.length);
  let generation = 0;
  const add = (list: number[], pc: number, pos: number): boolean => {
    const stack = [pc];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen[p] === generation) continue;
      seen[p] = generation;
      const inst = prog[p]!;
      if (inst.op === 'match') return true;
      if (inst.op === 'jmp') stack.push(inst.x);
      else if (inst.op === 'split') stack.push(inst.y, inst.x);
      else if (inst.op === 'assert') {
        if (assertHolds(inst.kind, input, pos)) stack.push(p + 1);
      } else list.push(p);
    }
    return false;
  };
  for (let pos = 0; pos <= input.length; pos++) {
    generation++;
    if (generation === 0xffffffff) {
      seen = new Uint32Array(prog.length);
      generation = 1;
    }
    const next: number[] = [];
    for (const pc of current) {
      if (add(next, pc, pos)) return true;
    }
    // Unanchored search: a new thread starts at every position.
    if (add(next, 0, pos)) return true;
    budget.charge(1 + next.length);
    if (pos === input.length) break;
    const c = input[pos]!;
    current = [];
    for (const pc of next) {
      const inst = prog[pc] as { op: 'char'; test: Test };
      if (inst.test(c)) current.push(pc + 1);
    }
  }
  return false;
}

const cache = new Map<string, Inst[]>();

/** `input matches pattern`, with RE2 syntax and linear-time matching. */
export function regexMatches(pattern: string, input: string, budget: Budget): boolean {
  let prog = cache.get(pattern);
  if (!prog) {
    prog = compile(new RegexParser(pattern).parse());
    if (cache.size >= 200) cache.delete(cache.keys().next().value!);
    cache.set(pattern, prog);
  }
  return run(
    prog,
    Array.from(input, (ch) => ch.codePointAt(0)!),
    budget,
  );
}
