/**
 * What a rollout changes: two bundles compared probe by probe (added,
 * removed, changed bytes, versions, capabilities, headers, hooks, limits),
 * for an operator to review before publishing. Reads without trust: it says
 * what the files claim; `verifyBundle` says whether to believe them.
 */

import { CUSTOM_SECTION_ID, readSections } from "../../wasm/sections.js";
import { compareVersions, decodeManifest, MANIFEST_SECTION, type Manifest } from "../../world/manifest.js";
import { parseBundle } from "./format.js";

export type ProbeChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface ProbeChange {
  readonly name: string;
  readonly change: ProbeChangeKind;
  readonly oldVersion?: string;
  readonly newVersion?: string;
  readonly capabilitiesAdded: readonly string[];
  readonly capabilitiesRemoved: readonly string[];
  readonly headersAdded: readonly string[];
  readonly headersRemoved: readonly string[];
  readonly hooksAdded: readonly string[];
  readonly hooksRemoved: readonly string[];
  /** The manifest's limits differ (fuel, memory, spans, ...). */
  readonly limitsChanged: boolean;
  /** What a reviewer should look at twice (a version that went down, bytes changed under the same version). */
  readonly warnings: readonly string[];
}

export interface BundleDiff {
  readonly old: { readonly name: string; readonly version: string };
  readonly new: { readonly name: string; readonly version: string };
  readonly probes: readonly ProbeChange[];
  /** Bundle-level warnings (another bundle name, a version that does not go up). */
  readonly warnings: readonly string[];
}

interface Carried {
  readonly sha256: string;
  readonly manifest: Manifest;
}

function manifestOf(bytes: Uint8Array): Manifest {
  const section = readSections(bytes).find((s) => s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION);
  // parseBundle checked nothing about the probes' insides: decodeManifest throws E_MANIFEST when it is absent or bad.
  return decodeManifest(section ? bytes.subarray(section.contentStart as number, section.end) : new Uint8Array());
}

function carried(bytes: Uint8Array): { name: string; version: string; probes: Map<string, Carried> } {
  const bundle = parseBundle(bytes);
  const probes = new Map<string, Carried>();
  for (const probe of bundle.probes) {
    probes.set(probe.entry.name, { sha256: probe.entry.sha256, manifest: manifestOf(probe.bytes) });
  }
  return { name: bundle.index.name, version: bundle.index.version, probes };
}

function minus(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => !b.includes(x)).sort();
}

function compare(name: string, before: Carried | undefined, after: Carried | undefined): ProbeChange {
  const was = before?.manifest;
  const now = after?.manifest;
  const change: ProbeChangeKind = !before
    ? "added"
    : !after
      ? "removed"
      : before.sha256 === after.sha256
        ? "unchanged"
        : "changed";
  const warnings: string[] = [];
  if (was && now) {
    const order = compareVersions(now.version, was.version);
    if (order < 0)
      warnings.push(
        `version goes down (${was.version} -> ${now.version}): hosts refuse it (E_ROLLBACK) unless rollback is allowed`,
      );
    if (order === 0 && change === "changed") {
      warnings.push(
        `bytes changed but the version did not (${now.version}): bump it, so hosts and reviewers can tell the builds apart`,
      );
    }
  }
  return {
    name,
    change,
    ...(was ? { oldVersion: was.version } : {}),
    ...(now ? { newVersion: now.version } : {}),
    capabilitiesAdded: minus(now?.capabilities ?? [], was?.capabilities ?? []),
    capabilitiesRemoved: minus(was?.capabilities ?? [], now?.capabilities ?? []),
    headersAdded: minus(now?.headers ?? [], was?.headers ?? []),
    headersRemoved: minus(was?.headers ?? [], now?.headers ?? []),
    hooksAdded: minus(now?.hooks ?? [], was?.hooks ?? []),
    hooksRemoved: minus(was?.hooks ?? [], now?.hooks ?? []),
    limitsChanged:
      was !== undefined && now !== undefined && JSON.stringify(was.limits ?? {}) !== JSON.stringify(now.limits ?? {}),
    warnings,
  };
}

/** Compare two bundle files (E_MALFORMED / E_MANIFEST / E_BUNDLE_MISMATCH when either is not a well-formed bundle). */
export function diffBundles(oldBytes: Uint8Array, newBytes: Uint8Array): BundleDiff {
  const before = carried(oldBytes);
  const after = carried(newBytes);
  const names = [...new Set([...before.probes.keys(), ...after.probes.keys()])].sort();
  const warnings: string[] = [];
  if (before.name !== after.name)
    warnings.push(`the bundle name changes (${before.name} -> ${after.name}): this is another bundle, not an update`);
  else {
    const order = compareVersions(after.version, before.version);
    if (order < 0) {
      warnings.push(
        `the bundle version goes down (${before.version} -> ${after.version}): hosts refuse it (E_ROLLBACK) unless rollback is allowed`,
      );
    } else if (order === 0) {
      warnings.push(
        `the bundle version stays ${after.version}: hosts accept either, and nobody can tell from the version which one runs`,
      );
    }
  }
  return {
    old: { name: before.name, version: before.version },
    new: { name: after.name, version: after.version },
    probes: names.map((name) => compare(name, before.probes.get(name), after.probes.get(name))),
    warnings,
  };
}
