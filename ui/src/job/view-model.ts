/**
 * The job page's state and how live task events change it. Pure (unit-tested in Node): no
 * React, no DOM. Events older than what the view holds (by sequence number) are dropped, so a
 * replayed or late event never moves a task back.
 */
import type { TaskBrief } from '../../../src/api/ui/shapes.js';
import { STATE_CODES, type ViewNode } from '../../../src/api/ui/tree.js';

export interface Sequenced<T> {
  seq: number;
  data: T;
}

export const CODE_STATES: Record<string, string> = Object.fromEntries(
  Object.entries(STATE_CODES).map(([state, code]) => [code, state]),
);

/** Item counts of a fan-out, by state, from its state letters. */
export function countStates(letters: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < letters.length; i++) {
    const state = CODE_STATES[letters[i]!] ?? 'CREATED';
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

export function latest(node: ViewNode): TaskBrief | undefined {
  return node.attempts[node.attempts.length - 1];
}

/** The state a card shows: its newest record's, or PENDING for a task not created yet. */
export function nodeState(node: ViewNode): string {
  return latest(node)?.state ?? 'PENDING';
}

function sortAttempts(list: TaskBrief[]): TaskBrief[] {
  return list.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.attempt - b.attempt);
}

/** Put `brief` into `node`: replace the record with its id, or add it as a new attempt. */
function withAttempt(node: ViewNode, brief: TaskBrief): ViewNode {
  const i = node.attempts.findIndex((a) => a.id === brief.id);
  const attempts = [...node.attempts];
  if (i >= 0) attempts[i] = { ...attempts[i], ...brief };
  else attempts.push(brief);
  return { ...node, attempts: i >= 0 ? attempts : sortAttempts(attempts) };
}

function setLetter(letters: string, index: number, letter: string): string {
  if (index < 0) return letters;
  const padded = index >= letters.length ? letters + '-'.repeat(index - letters.length + 1) : letters;
  return padded.slice(0, index) + letter + padded.slice(index + 1);
}

/** Apply one record to the subtree; returns the same array when nothing in it matched. */
function applyOne(nodes: ViewNode[], brief: TaskBrief): ViewNode[] | undefined {
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    let next: ViewNode | undefined;
    if (node.attempts.some((a) => a.id === brief.id)) {
      next = withAttempt(node, brief);
    } else if (!brief.parentId && node.key === String(brief.position)) {
      next = withAttempt(node, brief);
    } else if (brief.parentId && node.attempts.some((a) => a.id === brief.parentId)) {
      if (node.fanout) {
        const letter = STATE_CODES[brief.state] ?? '-';
        next = {
          ...node,
          fanout: { ...node.fanout, states: setLetter(node.fanout.states, brief.childIndex ?? -1, letter) },
        };
      } else if (node.children && brief.childIndex !== undefined && node.children[brief.childIndex]) {
        const children = [...node.children];
        children[brief.childIndex] = withAttempt(children[brief.childIndex]!, brief);
        next = { ...node, children };
      }
    } else if (node.children && node.kind !== 'subjob') {
      const children = applyOne(node.children, brief);
      if (children) next = { ...node, children };
    }
    if (next) {
      const out = [...nodes];
      out[n] = next;
      return out;
    }
  }
  return undefined;
}

/**
 * Apply live task events to the tree. `snapshotSeq` is the cursor the tree was read at; `seen`
 * holds the newest sequence number applied per task (updated in place).
 */
export function applyTaskEvents(
  tree: ViewNode[],
  events: Sequenced<TaskBrief>[],
  snapshotSeq: number,
  seen: Map<string, number>,
): ViewNode[] {
  let out = tree;
  for (const { seq, data } of events) {
    if (seq <= snapshotSeq || seq <= (seen.get(data.id) ?? 0)) continue;
    seen.set(data.id, seq);
    out = applyOne(out, data) ?? out;
  }
  return out;
}

/** Every record of the tree, by id (fan-out items excepted). */
export function recordIndex(tree: ViewNode[]): Map<string, { node: ViewNode; brief: TaskBrief }> {
  const out = new Map<string, { node: ViewNode; brief: TaskBrief }>();
  const walk = (nodes: ViewNode[]): void => {
    for (const node of nodes) {
      for (const brief of node.attempts) out.set(brief.id, { node, brief });
      if (node.children && node.kind !== 'subjob') walk(node.children);
    }
  };
  walk(tree);
  return out;
}
