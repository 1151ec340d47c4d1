/**
 * Runs the policy pack's rules over what a mocked stack registered, the way `pulumi preview
 * --policy-pack` runs them over a real preview: one call per resource, one call for the stack.
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { Rule } from "../policies/rules";
import type { RecordedResource } from "./mockRuntime";

export interface Violation {
  policy: string;
  level: string;
  resource?: string;
  message: string;
}

function toPolicyResources(recorded: RecordedResource[]): PolicyResource[] {
  const byId = new Map<string, PolicyResource>();
  const resources = recorded.map((r) => {
    const pr = {
      type: r.type, name: r.name, urn: r.urn,
      props: { ...r.plainInputs, ...(r.id ? { id: r.id } : {}) },
      opts: { protect: r.protect, ignoreChanges: r.ignoreChanges, deleteBeforeReplace: r.deleteBeforeReplace, aliases: [], customTimeouts: {} },
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
    } as unknown as PolicyResource;
    if (r.id) byId.set(r.id, pr);
    return pr;
  });
  // Inputs that carry another resource's id depend on it (what the engine reports as property dependencies).
  for (const pr of resources) {
    for (const [key, value] of Object.entries(pr.props)) {
      if (key === "id") continue;
      const ids = Array.isArray(value) ? value : [value];
      const deps = ids.filter((v): v is string => typeof v === "string" && byId.has(v)).map((v) => byId.get(v)!);
      if (deps.length) {
        pr.propertyDependencies[key] = deps;
        pr.dependencies.push(...deps);
      }
    }
  }
  return resources;
}

export async function evaluatePolicies(recorded: RecordedResource[], rules: Rule[]): Promise<Violation[]> {
  const resources = toPolicyResources(recorded.filter((r) => r.custom));
  const violations: Violation[] = [];
  for (const rule of rules) {
    const level = rule.enforcementLevel ?? "advisory";
    if ("validateResource" in rule && rule.validateResource) {
      const checks = Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource];
      for (const r of resources) {
        for (const check of checks) {
          await check(r as unknown as ResourceValidationArgs, (message) => violations.push({ policy: rule.name, level, resource: r.name, message }));
        }
      }
    }
    if ("validateStack" in rule && rule.validateStack) {
      await rule.validateStack({ resources } as unknown as StackValidationArgs,
        (message, urn) => violations.push({ policy: rule.name, level, resource: resources.find((r) => r.urn === urn)?.name, message }));
    }
  }
  return violations;
}
