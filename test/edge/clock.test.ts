// The edge clock tells the truth about itself: workerd's 1 ms steps from an
// epoch-millisecond performance.now() (timeOrigin 0), and a clock frozen
// between I/O, are measured as such, mapped to exact epoch times, and
// marked coarse, in a bounded number of reads.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLOCK_COARSE_ATTRIBUTE, edgeClock, RequestBatchProcessor } from "../../host/adapters/edge/index.js";

/** workerd in a request: performance.now() is Date.now(), in whole milliseconds, timeOrigin 0. */
function workerdLikeNow(startMs: number, readsPerMs: number) {
  let reads = 0;
  return {
    now: () => startMs + Math.floor(reads++ / readsPerMs),
    reads: () => reads,
  };
}

test("a clock in 1 ms steps from the epoch: 1 ms resolution, coarse, exact epoch times", () => {
  const source = workerdLikeNow(1_795_621_644_822, 50);
  const clock = edgeClock({ now: source.now, timeOrigin: 0 });
  assert.is(clock.resolutionNs(), 1_000_000);
  assert.equal(clock.facts, { resolutionNs: 1_000_000, coarse: true, frozen: false });
  // Instants start near 0, so nanoseconds stay exact; the epoch mapping adds the origin back.
  assert.equal(clock.toEpoch(0), [1_795_621_644, 822_000_000]);
  assert.equal(clock.toEpoch(1_000_000_001), [1_795_621_645, 822_000_001]);
});

test("a clock that does not move (production workerd between I/O) is frozen and coarse, found in bounded reads", () => {
  let reads = 0;
  const clock = edgeClock({
    now: () => {
      reads++;
      return 1_795_621_644_822;
    },
    timeOrigin: 0,
    maxSpins: 500,
  });
  assert.equal(clock.facts, { resolutionNs: 1_000_000, coarse: true, frozen: true });
  assert.ok(reads <= 502, `${reads} reads`);
});

test("a sub-microsecond clock is not coarse", () => {
  let t = 1000.5;
  const clock = edgeClock({
    now: () => {
      t += 0.0003;
      return t;
    },
    timeOrigin: 1_700_000_000_000,
  });
  assert.is(clock.facts.coarse, false);
  assert.ok(clock.resolutionNs() <= 301, `${clock.resolutionNs()}`);
});

interface FakeSpan {
  attributes: Record<string, unknown>;
  setAttribute(key: string, value: unknown): void;
}

function fakeSpan(): FakeSpan {
  const span: FakeSpan = {
    attributes: {},
    setAttribute(key, value) {
      span.attributes[key] = value;
    },
  };
  return span;
}

test("request batches: one export per flush, coarse spans marked, a failing exporter counted, never thrown", async () => {
  const batches: FakeSpan[][] = [];
  let fail = false;
  const exporter = {
    export(spans: FakeSpan[], done: (r: { code: number; error?: Error }) => void) {
      batches.push(spans);
      if (fail) throw new Error("collector gone");
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const processor = new RequestBatchProcessor<FakeSpan>(exporter, {
    clock: { resolutionNs: 1_000_000, coarse: true, frozen: false },
    maxQueue: 3,
  });
  const spans = [fakeSpan(), fakeSpan(), fakeSpan(), fakeSpan()];
  for (const span of spans) {
    processor.onStart(span as never, undefined as never);
    processor.onEnd(span);
  }
  assert.ok(spans.every((s) => s.attributes[CLOCK_COARSE_ATTRIBUTE] === true));
  await processor.flush();
  await processor.flush(); // nothing waiting: no export
  assert.is(batches.length, 1);
  assert.is(batches[0]?.length, 3);
  assert.equal({ ...processor.stats }, { exported: 3, dropped: 1, failedExports: 0, lastError: undefined });
  fail = true;
  processor.onEnd(fakeSpan());
  await processor.flush();
  assert.is(processor.stats.failedExports, 1);
  assert.is(processor.stats.lastError, "collector gone");
  const fine = new RequestBatchProcessor<FakeSpan>(exporter, {
    clock: { resolutionNs: 300, coarse: false, frozen: false },
  });
  const span = fakeSpan();
  fine.onStart(span as never, undefined as never);
  assert.equal(span.attributes, {});
});

test.run();
