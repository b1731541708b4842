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
    this.data = new Float64Array(Math.max(64, Math.ceil(capacity)));
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

  private grow(): void {
    const grown = new Float64Array(this.data.length * 2);
    grown.set(this.data);
    this.data = grown;
  }
}
