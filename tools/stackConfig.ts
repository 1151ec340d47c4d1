/**
 * Reads `Pulumi.yaml` and `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a
 * program: every value a string (lists and objects as JSON), `secure:` values opaque and secret.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface StackConfig {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
}

export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

export function readStackConfig(root: string, stack: string, configDir?: string): StackConfig {
  const projectFile = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name: string; stackConfigDir?: string };
  const dir = configDir ?? join(root, projectFile.stackConfigDir ?? ".");
  const file = join(dir, `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(file)) {
    throw new StackConfigError(`no stack config for "${stack}": expected ${file}`);
  }
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${projectFile.name}:${rawKey}`;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[key] = String((value as { secure: unknown }).secure);
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { project: projectFile.name, stack, config, secretKeys };
}
