/**
 * The ingress rules a component is given, checked: a TCP port, a description the cloud takes, and a source
 * that carries exactly the field its kind names, with CIDR ranges that parse. The public {@link Source} is one object with a kind (what a package schema can
 * describe); adapters get the {@link CheckedSource} union, so they never meet a half-filled source.
 */
import { SOURCE_KINDS, type CheckedIngressRule, type CheckedSource, type IngressRule, type Source } from "../clouds";
import { CATALOG, SettingsError, validate, type CloudName } from "../settings";

/** The field each kind of source reads (none for `anywhere`). */
const FIELD_OF: Record<Source["kind"], "cidrs" | "role" | "loadBalancer" | undefined> = {
  anywhere: undefined, cidrs: "cidrs", role: "role", loadBalancer: "loadBalancer",
};

/** `source`, checked; `key` names it in errors (e.g. `LinuxServer.ingress[0].source`). */
export function checkedSource(key: string, source: Source): CheckedSource {
  const kind = validate.oneOf(`${key}.kind`, source?.kind, SOURCE_KINDS, "a kind of source");
  const field = FIELD_OF[kind];
  for (const other of ["cidrs", "role", "loadBalancer"] as const) {
    if (other !== field && source[other] !== undefined) {
      throw new SettingsError(`${key}.${other}`, other === "cidrs" ? source.cidrs : `[${other}]`, `is set, but kind is "${kind}"`,
        `use kind "${other}" for it, or leave ${other} unset`);
    }
  }
  switch (kind) {
    case "anywhere":
      return { kind };
    case "cidrs": {
      if (!Array.isArray(source.cidrs) || source.cidrs.length === 0) {
        throw new SettingsError(`${key}.cidrs`, source.cidrs, 'must list at least one range with kind "cidrs"', 'e.g. ["203.0.113.7/32"], or kind "anywhere"');
      }
      return { kind, cidrs: source.cidrs.map((c, i) => validate.cidr(`${key}.cidrs[${i}]`, c)) };
    }
    case "role":
      if (!source.role) throw new SettingsError(`${key}.role`, undefined, 'is required with kind "role"', "pass network.role(name)");
      return { kind, role: source.role };
    case "loadBalancer":
      if (!source.loadBalancer) throw new SettingsError(`${key}.loadBalancer`, undefined, 'is required with kind "loadBalancer"', "pass the load balancer a component made (e.g. WebTier.loadBalancer)");
      return { kind, loadBalancer: source.loadBalancer };
  }
}

/** `rules` on `cloud`, each checked; `key` names the list in errors (e.g. `LinuxServer.ingress`). */
export function checkedIngress(key: string, rules: readonly IngressRule[], cloud: CloudName): CheckedIngressRule[] {
  const catalog = CATALOG[cloud];
  return rules.map((rule, i) => {
    const at = `${key}[${i}]`;
    // The checked values go on (a port given as "80" by a JavaScript caller reaches the cloud as 80).
    const port = validate.integer(`${at}.port`, rule.port, 1, 65535);
    const protocol = validate.oneOf(`${at}.protocol`, rule.protocol, ["tcp"] as const, "a protocol rules admit here");
    if (typeof rule.description !== "string" || rule.description.trim() === "") {
      throw new SettingsError(`${at}.description`, rule.description, "is empty", "say why the rule exists (shown in the cloud's console)");
    }
    const problems = catalog.ruleDescriptionProblems?.("it", rule.description) ?? [];
    if (problems.length > 0) throw new SettingsError(`${at}.description`, rule.description, `is refused by ${catalog.title}`, problems.join("; "));
    return { ...rule, port, protocol, source: checkedSource(`${at}.source`, rule.source) };
  });
}
