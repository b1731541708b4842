// The manifest's `stringEncoding` field: what it accepts (the host reads a
// probe's strings in the encoding it declares: test/languages/c-probes.test.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { stringEncodingOf, validateManifest } from "../../host/world/manifest.js";
import { errorCodeOf } from "../support/errors.js";

const BASE = { schema: 1, name: "p", version: "1.0.0", hooks: ["response"] };

test("stringEncoding: absent means utf16; utf16 and utf8 are kept; anything else is E_MANIFEST", () => {
  assert.is(stringEncodingOf(validateManifest(BASE)), "utf16");
  assert.is(validateManifest(BASE).stringEncoding, undefined, "an old manifest stays as it was");
  assert.is(stringEncodingOf(validateManifest({ ...BASE, stringEncoding: "utf8" })), "utf8");
  assert.is(stringEncodingOf(validateManifest({ ...BASE, stringEncoding: "utf16" })), "utf16");
  for (const bad of ["UTF-8", "latin1+utf16", "", 8, null, ["utf8"]]) {
    assert.is(
      errorCodeOf(() => validateManifest({ ...BASE, stringEncoding: bad })),
      "E_MANIFEST",
      String(bad),
    );
  }
});

test.run();
