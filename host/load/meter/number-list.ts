/**
 * A growable list of numbers in one Float64Array. The metering pass keeps
 * what it learns about every function body of a module in a few of these
 * (one entry range per body) instead of arrays per body: a 1 MB module has
 * ~10,000 bodies, and ~50,000 small arrays alive across both passes made
 * young-generation GC copy them over and over (~40% of the pass).
 */
export class NumberList {
  data: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = takeBuffer(Math.max(64, Math.ceil(capacity)));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) this.grow();
    const data = this.data;
    data[this.length] = a;
    data[this.length + 1] = b;
    data[this.length + 2] = c;
    this.length += 3;
  }

  /**
   * Hand the buffer to the next list made (the list is empty afterwards).
   * Metering is synchronous, one module at a time, so a pass reuses the
   * buffers of the one before: a fresh Float64Array is zeroed off-heap memory
   * that V8 accounts for, and a 16-probe bundle spent ~3 ms allocating them.
   * Only entries below `length` are ever read, so a reused buffer needs no clearing.
   */
  release(): void {
    const data = this.data;
    this.data = EMPTY;
    this.length = 0;
    if (data.length > KEEP_ENTRIES || data === EMPTY) return;
    if (spare.length === SPARE_BUFFERS) {
      // Keep the largest: they serve any smaller request.
      const smallest = spare.reduce((min, b, i) => (b.length < (spare[min] as Float64Array).length ? i : min), 0);
      if ((spare[smallest] as Float64Array).length >= data.length) return;
      spare.splice(smallest, 1);
    }
    spare.push(data);
  }

  private grow(): void {
    const grown = new Float64Array(Math.max(64, this.data.length * 2));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

const EMPTY = new Float64Array(0);
/** Buffers kept for reuse: a metering pass makes five lists. */
const SPARE_BUFFERS = 8;
/** Larger buffers (a multi-megabyte module's) are not kept: at most 8 x 1 MiB stays allocated. */
const KEEP_ENTRIES = 1 << 17;
const spare: Float64Array[] = [];

/** The smallest spare buffer of at least `entries`, else a new one. */
function takeBuffer(entries: number): Float64Array {
  let best = -1;
  for (let i = 0; i < spare.length; i++) {
    const length = (spare[i] as Float64Array).length;
    if (length >= entries && (best < 0 || length < (spare[best] as Float64Array).length)) best = i;
  }
  if (best < 0) return new Float64Array(entries);
  return spare.splice(best, 1)[0] as Float64Array;
}
