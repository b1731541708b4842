export { ComponentSectionId, readComponentLayout } from "../../wasm/component-layout.js";
export type * from "../../wasm/component-types.js";
export { type ExtractOptions, extractCoreModule, type FastPathComponent, type ManifestSource } from "./extract.js";
export { fastPathModule } from "./fast-path.js";
export { findComponentManifest } from "./manifest.js";
