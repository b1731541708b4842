// Hostile probe: `init` never returns, so loading it must fail with
// E_FUEL_EXHAUSTED instead of hanging the load.
let spins: u64 = 0;

export function init(): void {
  while (true) spins++;
}

export function request(): void {}

export function response(): void {}
