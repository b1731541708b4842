// Hostile: imports a function from a module no host defines, hoping a lax
// host links anything it is asked for. Refused with E_IMPORT_NOT_ALLOWED.
@external("evil", "exfiltrate")
declare function exfiltrate(data: usize, len: usize): void;

export function init(): void {}

export function request(): void {
  exfiltrate(0, 16);
}

export function response(): void {}
