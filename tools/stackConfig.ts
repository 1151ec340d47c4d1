/**
 * Reads `Pulumi.yaml` and `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program
 * (harness/pulumiConfig.ts: defaults injected, missing keys and wrong types refused with the CLI's own
 * messages, `secure:` values decrypted by the passphrase provider or refused). The plan command and the
 * tests read every stack through it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isScalar, parseDocument } from "yaml";
import { mergeStackConfig, passphraseFromEnv, PulumiConfigError, readProject, readStackFile } from "../harness/pulumiConfig";
import { KEYS, NAMESPACE } from "../settings";

export interface StackConfig {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
}

/** The CLI's refusal of a stack's config (same class as the harness's). */
export { PulumiConfigError as StackConfigError };

export function readStackConfig(root: string, stack: string, configDir?: string, passphrase = passphraseFromEnv()): StackConfig {
  const project = readProject(root);
  const file = readStackFile(root, project, stack, configDir);
  return { project: project.name, stack, ...mergeStackConfig(project, stack, file, passphrase) };
}

const STRING_KEYS = new Set(KEYS.filter((k) => k.type === "string").map((k) => `${NAMESPACE}:${k.key}`));

/**
 * Values the CLI accepts but changes on the way: a string key written as a YAML number or boolean reaches
 * the program as that number's text (`appRef: 1.10` is "1.1", `0x10` is "16"), so a ref or a version
 * silently becomes another. Returns one line per such key, naming how to quote it.
 */
export function lintStackFile(text: string): string[] {
  const doc = parseDocument(text);
  const config = doc.get("config", true) as { items?: { key: unknown; value: unknown }[] } | undefined;
  const problems: string[] = [];
  for (const pair of config?.items ?? []) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const full = key.includes(":") ? key : `${NAMESPACE}:${key}`;
    if (!STRING_KEYS.has(full) || !isScalar(pair.value)) continue;
    const value = pair.value.value;
    if (typeof value === "number" || typeof value === "boolean") {
      const source = pair.value.source ?? String(value);
      const read = typeof value === "number" ? JSON.stringify(value) : String(value);
      problems.push(`${full} is written as a YAML ${typeof value} (${source}), which the Pulumi CLI hands over as "${read}"; quote it: ${key}: "${source}"`);
    }
  }
  return problems;
}

/** {@link lintStackFile} over `Pulumi.<stack>.yaml` in the project's stack config directory (or `configDir`). */
export function lintStack(root: string, stack: string, configDir?: string): string[] {
  const project = readProject(root);
  return lintStackFile(readFileSync(join(configDir ?? join(root, project.stackConfigDir ?? "."), `Pulumi.${stack}.yaml`), "utf8"));
}
