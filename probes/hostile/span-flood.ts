// Hostile: starts (and ends) thousands of spans in every call, hoping to flood
// the exporter. The host keeps `spansPerInvocation` of them and drops the rest
// (`span-quota`); across calls `spansPerWindow` caps the probe (`span-rate`).
import { Span } from "../sdk/index";

/** Spans attempted per hook call. */
const FLOOD: i32 = 5000;

export function init(): void {}

export function request(): void {
  for (let i = 0; i < FLOOD; i++) Span.start("flood").end();
}

export function response(): void {}
