// Hostile: writes thousands of 100-unit log lines per call. The host keeps
// `logUnitsPerInvocation` units per call (`log-quota` for the rest) and
// `logUnitsPerWindow` per probe across calls (`log-rate`).
import { log } from "../sdk/index";

/** Lines attempted per hook call. */
const LINES: i32 = 10000;

export function init(): void {}

export function request(): void {
  // Exactly 100 UTF-16 code units.
  const line = "flood-line-".padEnd(100, "x");
  for (let i = 0; i < LINES; i++) log.info(line);
}

export function response(): void {}
