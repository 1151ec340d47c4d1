/**
 * Reads `Pulumi.yaml` and `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program
 * (harness/pulumiConfig.ts: defaults injected, missing keys and wrong types refused with the CLI's own
 * messages, `secure:` values decrypted by the passphrase provider or refused). The plan command and the
 * tests read every stack through it.
 */
import { mergeStackConfig, passphraseFromEnv, PulumiConfigError, readProject, readStackFile, type StackFile } from "../harness/pulumiConfig";

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

/** The same merge over a stack file held in memory (generated configs in the property tests). */
export function stackConfigFrom(root: string, stack: string, file: StackFile, passphrase?: string): StackConfig {
  const project = readProject(root);
  return { project: project.name, stack, ...mergeStackConfig(project, stack, file, passphrase) };
}
