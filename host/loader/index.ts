export {
  type LoadedBundle,
  type LoadProbeOptions,
  TrustedLoader,
  type TrustedLoaderOptions,
} from "./trusted-loader.js";
