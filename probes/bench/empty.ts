// Benchmark probe: hooks that do nothing, to measure the host's own cost of
// dispatching a hook (case 2 of the benchmarks).
export function init(): void {}

export function request(): void {}

export function response(): void {}
