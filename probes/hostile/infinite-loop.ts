// Hostile probe: the request hook never returns. Metering must stop it with
// E_FUEL_EXHAUSTED; unmetered it would hang the worker.
let spins: u64 = 0;

export function init(): void {}

export function request(): void {
  while (true) spins++;
}

export function response(): void {}
