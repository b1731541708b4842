// Hostile probe: asks for one more page on every turn of a loop that never
// ends. Once memory is at its cap each memory.grow fails (-1) cheaply in
// fuel but not in time: the per-hook fuel budget must still stop it within
// about a millisecond (docs/metering.md, calibration).
let grown: i32 = 0;

export function init(): void {}

export function request(): void {
  while (true) grown += memory.grow(1);
}

export function response(): void {}
