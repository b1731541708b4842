export { type ExtractOptions, extractCoreModule, PROBE_WORLD_INTERFACES } from "./extract.js";
export { fastPathModule } from "./fast-path.js";
export { ComponentSectionId, readComponentLayout } from "./layout.js";
export { findComponentManifest } from "./manifest.js";
export type * from "./types.js";
