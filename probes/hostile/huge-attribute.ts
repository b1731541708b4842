// Hostile: builds a 10 MB string (5 Mi UTF-16 code units) and sets it as an
// attribute value, hoping the host copies it into every exported span. The
// host reads at most `maxStringUnits` of it (cut, counted `string-truncated`).
import { Span } from "../sdk/index";

/** 10 MiB of UTF-16. */
const UNITS: i32 = 5 * 1024 * 1024;

export function init(): void {}

export function request(): void {
  const huge = "x".repeat(UNITS);
  const span = Span.start("huge.attribute");
  span.setString("payload", huge);
  span.setInt("payload.length", huge.length);
  span.end();
}

export function response(): void {}
