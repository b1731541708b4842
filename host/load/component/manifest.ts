import { SandprobeError } from "../../errors.js";
import { readComponentLayout } from "../../wasm/component-layout.js";
import { customSections, readSections } from "../../wasm/sections.js";
import { MANIFEST_SECTION } from "../../world/manifest.js";

/**
 * The probe manifest of any component, however many core modules it embeds:
 * the top-level `wasi-observability` section, else the one in a core module.
 * Used by the jco path, which runs components the fast path refuses. Two
 * different manifests anywhere in the component are refused with E_MANIFEST.
 */
export function findComponentManifest(bytes: Uint8Array): Uint8Array | undefined {
  const layout = readComponentLayout(bytes);
  const found: Uint8Array[] = layout.customSections.filter((s) => s.name === MANIFEST_SECTION).map((s) => s.content);
  for (const range of layout.coreModules) {
    const core = bytes.subarray(range.start, range.end);
    found.push(...customSections(core, readSections(core), MANIFEST_SECTION));
  }
  const [first, ...rest] = found;
  for (const other of rest) {
    if (other.length !== first?.length || other.some((byte, i) => byte !== first[i])) {
      throw new SandprobeError("E_MANIFEST", `the component carries two different "${MANIFEST_SECTION}" sections`);
    }
  }
  return first;
}
