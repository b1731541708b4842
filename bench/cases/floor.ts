/** Case 1, the floor: an empty JS -> wasm call and an empty wasm -> JS import call. */

import { compare } from "../../host/cli/bench/harness.js";
import type { CaseResult } from "../../host/cli/bench/report.js";
import { comparisonRow } from "../../host/cli/bench/report.js";
import { type BenchContext, builtProbe } from "../context.js";

type Fn = (...args: number[]) => number;

export async function floorCase(ctx: BenchContext): Promise<CaseResult> {
  const bytes = await builtProbe("bench", "floor");
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {
    "sandprobe:probe/http@0.1.0": { status: () => 1, "received-at": () => 1n },
    "sandprobe:probe/log@0.1.0": { abort: () => {}, log: () => {} },
  });
  const e = instance.exports as Record<string, Fn>;
  const empty = e.empty as Fn;
  const importLoop = e.importLoop as Fn;
  const importLoopI64 = e.importLoopI64 as Fn;
  const plainLoop = e.plainLoop as Fn;
  const jsEmpty: Fn = () => 0;
  const jsToWasm = await compare(
    {
      name: "empty JS -> wasm export call",
      run: (n) => {
        for (let i = 0; i < n; i++) empty();
      },
    },
    {
      name: "empty JS -> JS call",
      run: (n) => {
        for (let i = 0; i < n; i++) jsEmpty();
      },
    },
    ctx.compare(0, 3),
  );
  const bareLoop = { name: "the same wasm loop, no call", run: (n: number) => void plainLoop(n) };
  const importCall = await compare(
    { name: "wasm -> JS import call (i32 result)", run: (n) => void importLoop(n) },
    bareLoop,
    ctx.compare(1, 3),
  );
  const importI64 = await compare(
    { name: "wasm -> JS import call (i64 result: a BigInt)", run: (n) => void importLoopI64(n) },
    bareLoop,
    ctx.compare(2, 3),
  );
  return {
    id: "floor",
    number: 1,
    title: "The floor: empty JS -> wasm and wasm -> JS calls",
    rows: [
      comparisonRow(jsToWasm),
      comparisonRow(
        importCall,
        importCall.name,
        `${(importCall.subject.medianNs - importCall.base.medianNs).toFixed(1)} ns per import call`,
      ),
      comparisonRow(
        importI64,
        importI64.name,
        `${(importI64.subject.medianNs - importI64.base.medianNs).toFixed(1)} ns per import call`,
      ),
    ],
    notes: ["Import loops run inside wasm against stub imports (probes/bench/floor.ts): per iteration."],
  };
}
