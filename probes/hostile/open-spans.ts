// Hostile: starts spans on every request and never ends them, hoping the host
// keeps them (and their memory) forever. The host ends what a probe left open
// when the request ends, and counts them.
import { Span } from "../sdk/index";

export function init(): void {}

export function request(): void {
  Span.start("left.open.1").setInt("n", 1);
  Span.start("left.open.2");
}

export function response(): void {}
