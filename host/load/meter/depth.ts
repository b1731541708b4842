import type { CodeAnalysis } from "./analyze.js";
import { BodyFlag } from "./analyze.js";
import { CALL_DEPTH_PATH_LIMIT } from "./cost.js";

/**
 * Which functions count toward the call depth (cost model 5, docs/metering.md
 * section 2, "Call depth").
 *
 * Fuel bounds how long a call runs but not how deep it recurses: a
 * recursion that overflows V8's ~1 MB stack first unwinds ~33 000 frames,
 * ~2 ms. So the metered code keeps a depth counter: entering a counted
 * function takes one, leaving it gives it back, and an entry past
 * CALL_DEPTH_LIMIT traps first. Counting every function would cost every
 * probe; only recursion needs counting.
 *
 * The call graph has a node per defined function, plus two for calls the
 * pass cannot name: TABLE (a `call_indirect` may reach any function a table
 * can hold) and HOST (an import that writes a result through the guest's
 * `cabi_realloc` calls back into the module's exported functions). A
 * function counts when its strongly connected component has a cycle:
 * exactly the functions that can be on one stack more than once. Every other
 * function is on a stack at most once, in the order of the graph of
 * components, so a stack holds at most as many uncounted frames as the
 * longest path through that graph. When that path is longer than
 * CALL_DEPTH_PATH_LIMIT (a chain of thousands of distinct functions), every
 * function counts.
 */
export interface DepthPlan {
  /** Per defined function, 1 when it counts. */
  readonly counted: Uint8Array;
  /** No function counts: the code gets no depth counting at all. */
  readonly none: boolean;
}

export interface DepthGraphInput {
  readonly code: CodeAnalysis;
  readonly importCount: number;
  /** Functions a table can hold (1 = yes), imports first: ref.func and element segments. */
  readonly referenced: Uint8Array;
  /** Defined functions the host may call back while an import runs (exported, not entries). */
  readonly callbacks: readonly number[];
  /** Imported functions that may call back into the module (1 = yes). */
  readonly reentrant: Uint8Array;
}

/** The call graph in compressed rows: node v's callees are edges[edgesAt[v] .. edgesAt[v + 1]). */
interface CallGraph {
  readonly nodes: number;
  readonly edgesAt: number[];
  readonly edges: number[];
}

/** The strongly connected components of a call graph. */
interface Components {
  /** The component of each node. */
  readonly component: number[];
  /** Per component: whether it has a cycle. */
  readonly cyclic: boolean[];
  /** The most components a path through the graph passes through. */
  readonly longest: number;
}

// Plain arrays throughout: a typed array costs ~1.4 us to allocate in V8 11, a small plain one
// ~0.25 us, and a module is planned once. Filled at allocation, so their elements stay small
// integers.
function filled(length: number, value: number): number[] {
  return new Array<number>(length).fill(value);
}

/**
 * Which functions count toward the call depth: those in components with a
 * cycle, or every function when the longest path is past CALL_DEPTH_PATH_LIMIT.
 */
export function planCallDepth(input: DepthGraphInput): DepthPlan {
  const n = input.code.count;
  const { component, cyclic, longest } = findComponents(buildCallGraph(input));
  const counted = new Uint8Array(n);
  const all = longest > CALL_DEPTH_PATH_LIMIT;
  const anyCyclic = cyclic.includes(true);
  if (all) counted.fill(1);
  else if (anyCyclic) for (let f = 0; f < n; f++) counted[f] = cyclic[component[f] as number] ? 1 : 0;
  return { counted, none: !all && !anyCyclic };
}

/** The call graph: defined functions 0..n-1, then TABLE (n), then HOST (n + 1). */
function buildCallGraph(input: DepthGraphInput): CallGraph {
  const { code, importCount, referenced, callbacks, reentrant } = input;
  const n = code.count;
  const table = n;
  const host = n + 1;
  const nodes = n + 2;
  const calls = code.calls.data;
  const callsAt = code.callsAt;
  const flags = code.flags;
  const edgesAt = filled(nodes + 1, 0);
  // Count, then fill. A table holding a re-entrant import makes a call_indirect a call into the host too.
  let tableReachesHost = false;
  for (let f = 0; f < importCount; f++) if (referenced[f] === 1 && reentrant[f] === 1) tableReachesHost = true;
  let tableEdges = tableReachesHost ? 1 : 0;
  let total = 0;
  for (let f = 0; f < n; f++) {
    let count = ((flags[f] as number) & BodyFlag.indirect) !== 0 ? 1 : 0;
    let toHost = 0;
    for (let c = callsAt[f] as number; c < (callsAt[f + 1] as number); c += 2) {
      const callee = calls[c] as number;
      if (callee >= importCount) count++;
      else if (reentrant[callee] === 1) toHost = 1;
    }
    edgesAt[f] = total;
    total += count + toHost;
  }
  for (let f = importCount; f < importCount + n; f++) if (referenced[f] === 1) tableEdges++;
  edgesAt[table] = total;
  total += tableEdges;
  edgesAt[host] = total;
  total += callbacks.length;
  edgesAt[nodes] = total;
  const edges = filled(total, 0);
  for (let f = 0; f < n; f++) {
    let at = edgesAt[f] as number;
    const end = edgesAt[f + 1] as number;
    if (((flags[f] as number) & BodyFlag.indirect) !== 0) edges[at++] = table;
    for (let c = callsAt[f] as number; c < (callsAt[f + 1] as number); c += 2) {
      const callee = calls[c] as number;
      if (callee >= importCount) edges[at++] = callee - importCount;
    }
    // Room left over is the one edge to the host.
    if (at < end) edges[at] = host;
  }
  let at = edgesAt[table] as number;
  if (tableReachesHost) edges[at++] = host;
  for (let f = importCount; f < importCount + n; f++) if (referenced[f] === 1) edges[at++] = f - importCount;
  at = edgesAt[host] as number;
  for (const f of callbacks) edges[at++] = f - importCount;
  return { nodes, edgesAt, edges };
}

/**
 * Tarjan's algorithm, iterative (call chains may be long). Components come
 * out sinks first, so every component a component calls is finished before
 * it. A visited node is on the stack exactly while it has no component yet.
 */
function findComponents(graph: CallGraph): Components {
  const { nodes, edgesAt, edges } = graph;
  const component = filled(nodes, -1);
  const index = filled(nodes, -1);
  const low = filled(nodes, 0);
  const next = filled(nodes, 0);
  const stack = filled(nodes, 0);
  const walk = filled(nodes, 0);
  const cyclic: boolean[] = [];
  // Per component: the most components a path from it passes through, itself included.
  const height: number[] = [];
  let counter = 0;
  let stackTop = 0;
  let longest = 0;
  for (let root = 0; root < nodes; root++) {
    if (index[root] !== -1) continue;
    let walkTop = 0;
    walk[walkTop++] = root;
    index[root] = low[root] = counter++;
    next[root] = edgesAt[root] as number;
    stack[stackTop++] = root;
    while (walkTop > 0) {
      const v = walk[walkTop - 1] as number;
      const e = next[v] as number;
      if (e < (edgesAt[v + 1] as number)) {
        next[v] = e + 1;
        const w = edges[e] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          next[w] = edgesAt[w] as number;
          stack[stackTop++] = w;
          walk[walkTop++] = w;
        } else if (component[w] === -1 && (index[w] as number) < (low[v] as number)) low[v] = index[w] as number;
        continue;
      }
      walkTop--;
      if (walkTop > 0) {
        const parent = walk[walkTop - 1] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
      if (low[v] === index[v]) {
        stackTop = popComponent(graph, component, cyclic, height, stack, stackTop, v);
        const h = height[height.length - 1] as number;
        if (h > longest) longest = h;
      }
    }
  }
  return { component, cyclic, longest };
}

/** Pop the component rooted at v off `stack`, record whether it has a cycle and its height; returns the new top. */
function popComponent(
  graph: CallGraph,
  component: number[],
  cyclic: boolean[],
  height: number[],
  stack: number[],
  stackTop: number,
  v: number,
): number {
  const { edgesAt, edges } = graph;
  const id = height.length;
  let first = stackTop - 1;
  while (stack[first] !== v) first--;
  for (let m = first; m < stackTop; m++) component[stack[m] as number] = id;
  let isCyclic = stackTop - first > 1;
  let below = 0;
  for (let m = first; m < stackTop; m++) {
    const member = stack[m] as number;
    for (let x = edgesAt[member] as number; x < (edgesAt[member + 1] as number); x++) {
      const target = component[edges[x] as number] as number;
      if (target === id) isCyclic = true;
      else if ((height[target] as number) > below) below = height[target] as number;
    }
  }
  cyclic.push(isCyclic);
  height.push(below + 1);
  return first;
}
