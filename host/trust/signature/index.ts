export { sha256 } from "./bytes.js";
export {
  ALG_ED25519,
  DELIMITER_SECTION,
  decodeSignatureData,
  encodeSignatureData,
  MAX_HASHES,
  MAX_SETS,
  MAX_SIGNATURES,
  SIGNATURE_SECTION,
  type SignatureData,
  type SignatureEntry,
  type SignedHashes,
  signedMessage,
} from "./format.js";
export {
  computeKeyId,
  decodePublicKey,
  decodeSecretKey,
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
  importPublicKey,
  importSecretKey,
  type KeyPair,
  type PublicKey,
  publicKeyToPem,
  type SecretKey,
  secretKeyToPem,
} from "./keys.js";
export { contentHashes, type SignedLayout, signedLayout } from "./layout.js";
export { attachSignature, detachSignature, type SignOptions, type SignResult, signModule } from "./sign.js";
export {
  type CheckOptions,
  checkSignatures,
  readSignatureData,
  type SignatureCheck,
  type SignatureReport,
  type SignatureStatus,
  signatureFailure,
  verifyModule,
} from "./verify.js";
