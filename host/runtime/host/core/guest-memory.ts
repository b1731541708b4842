import { SandprobeError } from "../../../errors.js";

const utf16 = new TextDecoder("utf-16le");
const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();
/** Below this many code units String.fromCharCode beats TextDecoder. */
const SHORT_STRING = 64;
/** Short strings remembered per instance (a power of two): a direct-mapped cache keyed by content hash. */
const RECENT_STRINGS = 256;

/** A decoded string and its code units (also viewed as 32-bit words, for comparing two units at a time). */
interface CachedString {
  readonly text: string;
  readonly words: Uint32Array;
  readonly units: Uint16Array;
}

/** The 32-bit value of 8 lower-case hex digits of `text` at `from`. */
function hexWord(text: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 8; i++) {
    const c = text.charCodeAt(i);
    value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return value >>> 0;
}

export type Realloc = (oldPtr: number, oldSize: number, align: number, newSize: number) => number;

/** RECENT_STRINGS empty cache slots. */
function emptySlots<T>(): (T | undefined)[] {
  return new Array<T | undefined>(RECENT_STRINGS).fill(undefined);
}

/**
 * Typed access to one probe's linear memory, with every (ptr, len) checked
 * against the memory's current size. Views are refreshed when memory grows
 * (the old ArrayBuffer is detached then).
 */
export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;
  private u16 = new Uint16Array(0);
  private u8 = new Uint8Array(0);
  // The string caches of the probe's encoding (UTF-16 unless useEncoding says
  // UTF-8); the other encoding's stay empty, ~3-5 KiB less per instance.
  /** UTF-8 probes: the string last read at an address (its bytes, to compare), by address slot. */
  private utf8ByAddress: ({ text: string; bytes: Uint8Array } | undefined)[] = [];
  private utf8AddressOf = new Int32Array(0);
  private view = new DataView(new ArrayBuffer(0));
  private realloc: Realloc | undefined;
  private u32 = new Uint32Array(0);
  /** The string last read at an address, by address (literals: one compare, no hash). */
  private byAddress: (CachedString | undefined)[] = emptySlots();
  private addressOf = new Int32Array(RECENT_STRINGS).fill(-1);
  /** Recently decoded short strings, at the slot their content hashes to. */
  private recent: (CachedString | undefined)[] = emptySlots();
  /** Longest string the host decodes, in code units (bytes for a UTF-8 probe); longer ones are cut. */
  maxStringUnits = 64 * 1024;
  /** The probe lays out strings as UTF-8 (manifest `stringEncoding`): lengths count bytes. */
  private utf8 = false;

  /** Choose the probe's string encoding, once, before the first call. */
  useEncoding(encoding: "utf16" | "utf8"): void {
    this.utf8 = encoding === "utf8";
    if (this.utf8 && this.utf8ByAddress.length === 0) {
      this.utf8ByAddress = emptySlots();
      this.utf8AddressOf = new Int32Array(RECENT_STRINGS).fill(-1);
      this.byAddress = [];
      this.addressOf = new Int32Array(0);
      this.recent = [];
    }
  }

  bind(memory: WebAssembly.Memory | undefined, realloc: Realloc | undefined): void {
    this.memory = memory;
    this.realloc = realloc;
    this.u8 = new Uint8Array(0);
    this.recent.fill(undefined);
    this.byAddress.fill(undefined);
    this.addressOf.fill(-1);
    this.utf8ByAddress.fill(undefined);
    this.utf8AddressOf.fill(-1);
  }

  private refresh(): void {
    // Reading Memory.buffer is a slow API call. A view's length drops to 0 when
    // memory.grow detaches its buffer, and costs a third of reading the
    // buffer's byteLength (which V8 does not inline for a wasm memory's buffer).
    if (this.u8.length !== 0) return;
    const buffer = this.memory?.buffer;
    if (buffer) {
      this.u16 = new Uint16Array(buffer, 0, buffer.byteLength >>> 1);
      this.u8 = new Uint8Array(buffer);
      this.u32 = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
      this.view = new DataView(buffer);
    }
  }

  private outOfBounds(what: string, ptr: number, bytes: number): never {
    throw new SandprobeError(
      "E_GUEST_MEMORY",
      `${what} at ${ptr >>> 0} (+${bytes} bytes) is outside the probe's ${this.u8.length}-byte memory`,
      { ptr: ptr >>> 0, bytes },
    );
  }

  // Strings. Every string argument goes through checkString (bounds, alignment)
  // and, when the host needs its text, readString (decode, with caches).
  // A second encoding (UTF-8) slots in beside these two.

  /**
   * Check a UTF-16 string argument (ptr, length in code units) without
   * decoding it: a string the host does not need (an attribute of a span
   * that does not record) still traps when it lies outside memory, so
   * sampling never changes whether a probe fails.
   */
  checkString(ptr: number, units: number): void {
    if (this.utf8) {
      this.checkUtf8(ptr, units);
      return;
    }
    this.refresh();
    const start = ptr >>> 0;
    const length = units >>> 0;
    if (start & 1) this.outOfBounds("misaligned UTF-16 string", start, length * 2);
    if (start + length * 2 > this.u8.length) this.outOfBounds("string", start, length * 2);
  }

  /** Decode a string the guest passed as (ptr, length): code units for UTF-16, bytes for UTF-8. */
  readString(ptr: number, units: number): string {
    if (this.utf8) return this.readUtf8(ptr, units);
    this.checkString(ptr, units);
    const start = ptr >>> 0;
    const length = units >>> 0;
    const take = Math.min(length, this.maxStringUnits);
    const first = start >>> 1;
    if (take > SHORT_STRING) return utf16.decode(this.u16.subarray(first, first + take));
    // Literals (span names, attribute keys) come from the same address every
    // time: check the string last read there first.
    const near = (start >>> 2) & (RECENT_STRINGS - 1);
    const known = this.byAddress[near];
    if (known !== undefined && this.addressOf[near] === start && known.text.length === take) {
      if (this.matches(known, start, take)) return known.text;
    }
    // Span names, attribute keys and values repeat from request to request,
    // but values the guest builds land at a new address each time: look the
    // string up by a hash of its length and first and last code units, then
    // compare every code unit (two at a time) before trusting the cached string.
    const u16 = this.u16;
    const last = first + take - 1;
    let hash = take;
    if (take > 0) {
      hash = Math.imul(hash ^ (u16[first] as number), 0x01000193);
      hash = Math.imul(hash ^ (u16[last] as number), 0x01000193);
      if (take > 2) {
        hash = Math.imul(hash ^ (u16[first + 1] as number), 0x01000193);
        hash = Math.imul(hash ^ (u16[last - 1] as number), 0x01000193);
        hash = Math.imul(hash ^ (u16[(first + last) >>> 1] as number), 0x01000193);
      }
    }
    const slot = (hash ^ (hash >>> 15)) & (RECENT_STRINGS - 1);
    let entry = this.recent[slot];
    if (entry === undefined || entry.text.length !== take || !this.matches(entry, start, take)) {
      const codes = u16.slice(first, first + take);
      const text = take === 0 ? "" : String.fromCharCode.apply(null, codes as unknown as number[]);
      entry = { text, words: new Uint32Array(codes.buffer, 0, take >>> 1), units: codes };
      this.recent[slot] = entry;
    }
    this.byAddress[near] = entry;
    this.addressOf[near] = start;
    return entry.text;
  }

  /**
   * Decode a UTF-8 string (ptr, length in bytes), cut at maxStringUnits bytes
   * on a character boundary. Invalid sequences become U+FFFD, as the
   * canonical ABI's lifting of a string allows no trap here for a host import.
   */
  private checkUtf8(ptr: number, length: number): void {
    this.refresh();
    const start = ptr >>> 0;
    const bytes = length >>> 0;
    if (start + bytes > this.u8.length) this.outOfBounds("string", start, bytes);
  }

  private readUtf8(ptr: number, length: number): string {
    this.checkUtf8(ptr, length);
    const start = ptr >>> 0;
    const bytes = length >>> 0;
    const u8 = this.u8;
    let take = Math.min(bytes, this.maxStringUnits);
    if (take < bytes) while (take > 0 && ((u8[start + take] as number) & 0xc0) === 0x80) take--;
    if (take > SHORT_STRING) return utf8.decode(u8.subarray(start, start + take));
    // Literals come from the same address every time: compare the bytes of
    // the string last read there before decoding again.
    const slot = (start >>> 2) & (RECENT_STRINGS - 1);
    const known = this.utf8ByAddress[slot];
    if (known !== undefined && this.utf8AddressOf[slot] === start && known.bytes.length === take) {
      let same = true;
      for (let i = 0; i < take; i++) {
        if (known.bytes[i] !== u8[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known.text;
    }
    const copy = u8.slice(start, start + take);
    let ascii = true;
    for (let i = 0; i < take; i++) if ((copy[i] as number) >= 0x80) ascii = false;
    const text = ascii ? String.fromCharCode.apply(null, copy as unknown as number[]) : utf8.decode(copy);
    this.utf8ByAddress[slot] = { text, bytes: copy };
    this.utf8AddressOf[slot] = start;
    return text;
  }

  /** Whether the `take` code units at byte `start` are those of `cached`. */
  private matches(cached: CachedString, start: number, take: number): boolean {
    if ((start & 3) === 0) {
      const u32 = this.u32;
      const words = cached.words;
      const at = start >>> 2;
      for (let i = 0; i < words.length; i++) if (words[i] !== u32[at + i]) return false;
      return (take & 1) === 0 || cached.units[take - 1] === this.u16[(start >>> 1) + take - 1];
    }
    const u16 = this.u16;
    const units = cached.units;
    const first = start >>> 1;
    for (let i = 0; i < take; i++) if (units[i] !== u16[first + i]) return false;
    return true;
  }

  /** Length, in code units, a string would be cut to. */
  isTruncated(units: number): boolean {
    return units >>> 0 > this.maxStringUnits;
  }

  private checkRange(ptr: number, bytes: number): number {
    this.refresh();
    const at = ptr >>> 0;
    if (at + bytes > this.u8.length) this.outOfBounds("return area", at, bytes);
    return at;
  }

  // Each accessor checks (and so refreshes the views) before touching `view`:
  // memory may have grown since the last access, detaching the old buffer.
  readU32(ptr: number): number {
    const at = this.checkRange(ptr, 4);
    return this.view.getUint32(at, true);
  }

  writeU8(ptr: number, value: number): void {
    const at = this.checkRange(ptr, 1);
    this.view.setUint8(at, value);
  }

  writeU32(ptr: number, value: number): void {
    const at = this.checkRange(ptr, 4);
    this.view.setUint32(at, value, true);
  }

  /**
   * Store the u64 spelled by the 16 hex digits of `hex` at `from` (big-endian
   * text, as in W3C trace ids) little-endian at `ptr`, without a BigInt.
   */
  writeHexU64(ptr: number, hex: string, from: number): void {
    const at = this.checkRange(ptr, 8);
    this.view.setUint32(at, hexWord(hex, from + 8), true);
    this.view.setUint32(at + 4, hexWord(hex, from), true);
  }

  writeU64(ptr: number, value: bigint): void {
    const at = this.checkRange(ptr, 8);
    this.view.setBigUint64(at, value, true);
  }

  /**
   * Copy a string into guest memory through the guest's cabi_realloc and store
   * (ptr, length) at `retPtr`, as the canonical ABI lowers a string result.
   */
  writeStringResult(retPtr: number, text: string): void {
    if (this.utf8) {
      this.writeUtf8Result(retPtr, text);
      return;
    }
    this.checkRange(retPtr, 8);
    let ptr = 0;
    if (text.length > 0) {
      if (!this.realloc) throw new SandprobeError("E_EXPORT_MISSING", "probe has no cabi_realloc");
      ptr = this.realloc(0, 0, 2, text.length * 2) >>> 0;
      this.checkRange(ptr, text.length * 2);
      if (ptr & 1) this.outOfBounds("misaligned cabi_realloc result", ptr, text.length * 2);
      // cabi_realloc may have grown memory: checkRange refreshed the views.
      const first = ptr >>> 1;
      for (let i = 0; i < text.length; i++) this.u16[first + i] = text.charCodeAt(i);
    }
    const at = this.checkRange(retPtr, 8);
    this.view.setUint32(at, ptr, true);
    this.view.setUint32(at + 4, text.length, true);
  }

  /** writeStringResult for a UTF-8 probe: (ptr, length in bytes), allocated with alignment 1. */
  private writeUtf8Result(retPtr: number, text: string): void {
    this.checkRange(retPtr, 8);
    // ASCII (methods, routes, most headers) is its own UTF-8: no encoder call.
    let ascii = true;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) ascii = false;
    const encoded = ascii ? undefined : utf8Encoder.encode(text);
    const length = encoded === undefined ? text.length : encoded.length;
    let ptr = 0;
    if (length > 0) {
      if (!this.realloc) throw new SandprobeError("E_EXPORT_MISSING", "probe has no cabi_realloc");
      ptr = this.realloc(0, 0, 1, length) >>> 0;
      this.checkRange(ptr, length);
      // cabi_realloc may have grown memory: checkRange refreshed the views.
      if (encoded !== undefined) this.u8.set(encoded, ptr);
      else for (let i = 0; i < length; i++) this.u8[ptr + i] = text.charCodeAt(i);
    }
    const at = this.checkRange(retPtr, 8);
    this.view.setUint32(at, ptr, true);
    this.view.setUint32(at + 4, length, true);
  }
}
