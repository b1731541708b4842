export { assembleUnsignedBundle, type CreateBundleOptions, createBundle } from "./create.js";
export {
  BUNDLE_INDEX_SECTION,
  BUNDLE_PROBE_SECTION,
  type BundledProbe,
  type BundleIndex,
  type BundleIndexEntry,
  decodeIndex,
  encodeIndex,
  MAX_BUNDLE_PROBES,
  type ParsedBundle,
  parseBundle,
} from "./format.js";
export { type VerifiedBundle, verifyBundle } from "./verify.js";
