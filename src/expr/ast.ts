/** The parsed tree. Every node records `pos`, the UTF-16 offset used in error messages. */

interface Base {
  pos: number;
  /** Height of the subtree; the parser refuses trees too deep to walk safely. */
  depth: number;
}

export type Node =
  | (Base & { kind: 'nil' })
  | (Base & { kind: 'bool'; value: boolean })
  | (Base & { kind: 'int'; value: bigint })
  | (Base & { kind: 'float'; value: number })
  | (Base & { kind: 'string'; value: string })
  | (Base & { kind: 'ident'; name: string })
  /** `#`, `#index`, `#acc`, and the implicit `#` of `.Field`, inside a predicate. */
  | (Base & { kind: 'pointer'; name: string })
  | (Base & { kind: 'unary'; op: string; operand: Node })
  | (Base & { kind: 'binary'; op: string; left: Node; right: Node })
  /** `a.b`, `a?.b`, `a[b]`, `a?.[b]`. */
  | (Base & { kind: 'member'; object: Node; property: Node; optional: boolean })
  | (Base & { kind: 'slice'; object: Node; from?: Node; to?: Node })
  /** Ends a `?.` chain: a nil met by an optional access makes the whole chain nil. */
  | (Base & { kind: 'chain'; node: Node })
  /** A call of a built-in or context function (`len(x)`, `x | len()`). */
  | (Base & { kind: 'call'; name: string; args: Node[] })
  /** A method call on a value (`t.Format("2006")`). */
  | (Base & { kind: 'method'; object: Node; name: string; args: Node[]; optional: boolean })
  | (Base & { kind: 'predicate'; body: Node })
  | (Base & { kind: 'conditional'; cond: Node; then: Node; otherwise: Node })
  | (Base & { kind: 'array'; items: Node[] })
  | (Base & { kind: 'map'; pairs: { key: Node; value: Node }[] })
  | (Base & { kind: 'let'; name: string; value: Node; body: Node })
  | (Base & { kind: 'sequence'; nodes: Node[] });

export type NodeKind = Node['kind'];

/** Distributes `Omit` over the union so each node kind keeps its own fields. */
type WithoutDepth<T> = T extends Node ? Omit<T, 'depth'> : never;
export type NodeInit = WithoutDepth<Node>;

/** Direct children of a node, for walks that do not care about the kind. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'member':
      return [node.object, node.property];
    case 'slice':
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])];
    case 'chain':
      return [node.node];
    case 'call':
      return node.args;
    case 'method':
      return [node.object, ...node.args];
    case 'predicate':
      return [node.body];
    case 'conditional':
      return [node.cond, node.then, node.otherwise];
    case 'array':
      return node.items;
    case 'map':
      return node.pairs.flatMap((p) => [p.key, p.value]);
    case 'let':
      return [node.value, node.body];
    case 'sequence':
      return node.nodes;
    default:
      return [];
  }
}
