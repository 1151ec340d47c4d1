/**
 * What the real clouds refuse, checked over what a mocked stack registered. Pulumi's mocks accept any
 * name, description or quota; EC2 and DigitalOcean do not. Each rule names the API or provider source it
 * comes from. `npm run plan` fails on a violation as `pulumi preview` would, and the tests run every rule
 * over every checked-in stack and over generated configs.
 *
 * The facts themselves (lengths, character sets, quotas) live in `settings/limits/<cloud>.ts`, where the
 * settings also use them to refuse a config before any resource is registered; the rules here only apply
 * them to resources.
 */
import type { RecordedResource } from "../mockRuntime";
import { awsRules } from "./aws";
import { digitaloceanRules } from "./digitalocean";
import type { CloudRule } from "./rule";

export { nameSentToCloud, type CloudRule } from "./rule";

export interface CloudViolation {
  rule: string;
  source: string;
  /** Logical name of the resource, or undefined for a stack-wide rule. */
  resource?: string;
  message: string;
}

export const cloudRules: readonly CloudRule[] = [...awsRules, ...digitaloceanRules];

/** Every violation of every cloud rule in `resources`. */
export function checkCloudRules(resources: readonly RecordedResource[], rules: readonly CloudRule[] = cloudRules): CloudViolation[] {
  const out: CloudViolation[] = [];
  const push = (rule: CloudRule, resource: RecordedResource | undefined, result: string | string[] | undefined) => {
    for (const message of result === undefined ? [] : Array.isArray(result) ? result : [result]) {
      out.push({ rule: rule.id, source: rule.source, resource: resource?.name, message });
    }
  };
  for (const rule of rules) {
    if (rule.types.length === 0) {
      push(rule, undefined, rule.check(undefined, resources));
      continue;
    }
    for (const r of resources) if (r.custom && rule.types.includes(r.type)) push(rule, r, rule.check(r, resources));
  }
  return out;
}

/** One line per violation, for the plan's error and test failures. */
export function formatViolations(violations: readonly CloudViolation[]): string {
  return violations.map((v) => `${v.rule}: ${v.resource ?? "stack"}: ${v.message} (${v.source})`).join("\n");
}
