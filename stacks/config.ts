/** Reads this project's stack config from Pulumi into the pure settings layer. */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, type RawConfig } from "../settings";

/** Every `fullstack:*` key the stack has, raw (lists still JSON text), keyed without the namespace. */
export function rawStackConfig(): RawConfig {
  const raw: Record<string, unknown> = {};
  const prefix = `${NAMESPACE}:`;
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return raw;
}
