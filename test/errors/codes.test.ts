/**
 * Every error code is documented: docs/errors.md must list each member of
 * the ErrorCode union in host/errors.ts, so a new code cannot ship unexplained.
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("docs/errors.md lists every ErrorCode, and no code that does not exist", () => {
  const source = readFileSync("host/errors.ts", "utf8");
  const union = source.slice(
    source.indexOf("export type ErrorCode"),
    source.indexOf(";", source.indexOf("export type ErrorCode")),
  );
  const codes = [...union.matchAll(/\|\s*"(E_[A-Z0-9_]+)"/g)].map((m) => m[1] as string);
  assert.ok(codes.length >= 20, `found only ${codes.length} codes`);
  const docs = readFileSync("docs/errors.md", "utf8");
  const documented = new Set([...docs.matchAll(/^\| `(E_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  for (const code of codes) assert.ok(documented.has(code), `${code} is missing from docs/errors.md: add a row`);
  for (const code of documented)
    assert.ok(codes.includes(code as string), `docs/errors.md lists ${code}, which is not an ErrorCode`);
});

test.run();
