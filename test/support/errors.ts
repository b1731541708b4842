import { isSandprobeError } from "../../host/errors.js";

/** The SandprobeError code `run` throws, or "accepted" when it returns; any other error is rethrown. */
export function errorCodeOf(run: () => unknown): string {
  try {
    run();
    return "accepted";
  } catch (error) {
    if (isSandprobeError(error)) return error.code;
    throw error;
  }
}
