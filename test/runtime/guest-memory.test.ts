/**
 * GuestMemory's bounds checks across memory.grow: growing detaches the
 * buffer the host's views were made on, so every check must see the new
 * size (a string in the new pages is readable) and never the old one.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { GuestMemory } from "../../host/runtime/host/core/guest-memory.js";

const PAGE = 65536;

function write(memory: WebAssembly.Memory, at: number, text: string): void {
  const u16 = new Uint16Array(memory.buffer);
  for (let i = 0; i < text.length; i++) u16[(at >>> 1) + i] = text.charCodeAt(i);
}

function refused(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    assert.ok(isSandprobeError(error) && error.code === "E_GUEST_MEMORY", String(error));
    return true;
  }
}

test("strings in pages added by memory.grow are checked and read against the new size", () => {
  const wasm = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const memory = new GuestMemory();
  memory.bind(wasm, undefined);
  write(wasm, 64, "route");
  assert.is(memory.readString(64, 5), "route");
  // Past the first page: refused while the memory has one page.
  assert.ok(refused(() => memory.checkString(PAGE + 16, 4)));
  assert.ok(refused(() => memory.readString(PAGE - 4, 4)));
  wasm.grow(1); // detaches the buffer the views were made on
  write(wasm, PAGE + 16, "grown");
  memory.checkString(PAGE + 16, 5);
  assert.is(memory.readString(PAGE + 16, 5), "grown");
  assert.is(memory.readString(64, 5), "route", "old pages keep their content");
  assert.ok(
    refused(() => memory.checkString(2 * PAGE - 2, 2)),
    "still bounded by the new end",
  );
  wasm.grow(2);
  write(wasm, 3 * PAGE + 8, "four");
  assert.is(memory.readString(3 * PAGE + 8, 4), "four");
});

test("a rebound memory is checked against its own size, not the previous instance's", () => {
  const big = new WebAssembly.Memory({ initial: 2 });
  const small = new WebAssembly.Memory({ initial: 1 });
  const memory = new GuestMemory();
  memory.bind(big, undefined);
  memory.checkString(PAGE + 8, 4);
  memory.bind(small, undefined);
  assert.ok(refused(() => memory.checkString(PAGE + 8, 4)));
  memory.bind(undefined, undefined);
  assert.ok(
    refused(() => memory.checkString(0, 1)),
    "no memory: every non-empty string is out of bounds",
  );
});

test.run();
