// Garbage in every call, and state kept across calls: with the incremental
// collector (asconfig.json) memory must stay bounded while what the probe
// keeps survives every collection. Each response reports both on a span.
import { Span, http } from "../sdk/index";

const KEPT = 16;
const kept: string[] = [];

export function init(): void {
  for (let i = 0; i < KEPT; i++) kept.push("kept-" + i.toString());
}

function keptIntact(): bool {
  if (kept.length != KEPT) return false;
  for (let i = 0; i < KEPT; i++) if (kept[i] != "kept-" + i.toString()) return false;
  return true;
}

export function response(): void {
  // ~4 KB of intermediate strings, none of them kept.
  let text = "";
  const status = http.status().toString();
  for (let i = 0; i < 16; i++) text += status + "-garbage-" + i.toString() + ";";
  Span.start("garbage")
    .setInt("guest.memory.pages", memory.size())
    .setInt("guest.text.length", text.length)
    .setBool("guest.kept.intact", keptIntact())
    .end();
}
