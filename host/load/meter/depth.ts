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

/** Build the call graph, find its components (Tarjan) and the longest path through them. */
export function planCallDepth(input: DepthGraphInput): DepthPlan {
  const { code, importCount, referenced, callbacks, reentrant } = input;
  const n = code.count;
  const table = n;
  const host = n + 1;
  const nodes = n + 2;
  const calls = code.calls.data;

  // A table holding a re-entrant import makes a call_indirect a call into the host too.
  let tableReachesHost = false;
  for (let f = 0; f < importCount; f++) if (referenced[f] === 1 && reentrant[f] === 1) tableReachesHost = true;

  // Edges in compressed rows: count, then fill.
  const edgesAt = new Int32Array(nodes + 1);
  const callsHost = new Uint8Array(n);
  for (let f = 0; f < n; f++) {
    let count = code.has(f, BodyFlag.indirect) ? 1 : 0;
    for (let c = code.callsAt[f] as number; c < (code.callsAt[f + 1] as number); c += 2) {
      const callee = calls[c] as number;
      if (callee >= importCount) count++;
      else if (reentrant[callee] === 1) callsHost[f] = 1;
    }
    edgesAt[f + 1] = count + (callsHost[f] as number);
  }
  let tableEdges = tableReachesHost ? 1 : 0;
  for (let f = importCount; f < importCount + n; f++) if (referenced[f] === 1) tableEdges++;
  edgesAt[table + 1] = tableEdges;
  edgesAt[host + 1] = callbacks.length;
  for (let v = 0; v < nodes; v++) edgesAt[v + 1] = (edgesAt[v + 1] as number) + (edgesAt[v] as number);
  const edges = new Int32Array(edgesAt[nodes] as number);
  for (let f = 0; f < n; f++) {
    let at = edgesAt[f] as number;
    if (code.has(f, BodyFlag.indirect)) edges[at++] = table;
    if (callsHost[f] === 1) edges[at++] = host;
    for (let c = code.callsAt[f] as number; c < (code.callsAt[f + 1] as number); c += 2) {
      const callee = calls[c] as number;
      if (callee >= importCount) edges[at++] = callee - importCount;
    }
  }
  let at = edgesAt[table] as number;
  if (tableReachesHost) edges[at++] = host;
  for (let f = importCount; f < importCount + n; f++) if (referenced[f] === 1) edges[at++] = f - importCount;
  at = edgesAt[host] as number;
  for (const f of callbacks) edges[at++] = f - importCount;

  // Tarjan's algorithm, iterative (call chains may be long). Components come out sinks first.
  const component = new Int32Array(nodes).fill(-1);
  const index = new Int32Array(nodes).fill(-1);
  const low = new Int32Array(nodes);
  const next = new Int32Array(nodes);
  const onStack = new Uint8Array(nodes);
  const stack: number[] = [];
  const walk: number[] = [];
  const members: number[] = [];
  // Per component: whether it has a cycle (more than one node, or a node calling itself), and its height:
  // the most components a path from it passes through, itself included.
  const cyclic: boolean[] = [];
  const height: number[] = [];
  let counter = 0;
  let longest = 0;
  let anyCyclic = false;
  for (let root = 0; root < nodes; root++) {
    if (index[root] !== -1) continue;
    walk.push(root);
    index[root] = low[root] = counter++;
    next[root] = edgesAt[root] as number;
    stack.push(root);
    onStack[root] = 1;
    while (walk.length > 0) {
      const v = walk[walk.length - 1] as number;
      const e = next[v] as number;
      if (e < (edgesAt[v + 1] as number)) {
        next[v] = e + 1;
        const w = edges[e] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          next[w] = edgesAt[w] as number;
          stack.push(w);
          onStack[w] = 1;
          walk.push(w);
        } else if (onStack[w] === 1 && (index[w] as number) < (low[v] as number)) low[v] = index[w] as number;
        continue;
      }
      walk.pop();
      if (walk.length > 0) {
        const parent = walk[walk.length - 1] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
      if (low[v] !== index[v]) continue;
      // v roots a component: pop its members; every component they call is finished already.
      const id = height.length;
      members.length = 0;
      let w: number;
      do {
        w = stack.pop() as number;
        onStack[w] = 0;
        component[w] = id;
        members.push(w);
      } while (w !== v);
      let isCyclic = members.length > 1;
      let below = 0;
      for (const member of members) {
        for (let x = edgesAt[member] as number; x < (edgesAt[member + 1] as number); x++) {
          const target = component[edges[x] as number] as number;
          if (target === id) isCyclic = true;
          else if ((height[target] as number) > below) below = height[target] as number;
        }
      }
      cyclic.push(isCyclic);
      height.push(below + 1);
      if (below + 1 > longest) longest = below + 1;
      if (isCyclic) anyCyclic = true;
    }
  }
  const counted = new Uint8Array(n);
  const all = longest > CALL_DEPTH_PATH_LIMIT;
  if (all) counted.fill(1);
  else if (anyCyclic) for (let f = 0; f < n; f++) counted[f] = cyclic[component[f] as number] ? 1 : 0;
  return { counted, none: !all && !counted.includes(1) };
}
