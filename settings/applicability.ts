/**
 * The one check that refuses a key set where it has no effect. Where each key applies is data in
 * settings/schema.ts (`appliesTo`); this reads it for every key, so no section of the reader restates it.
 */
import { CATALOG } from "./catalog";
import { SettingsError } from "./errors";
import { KEYS, fullKey, inapplicableUnder, whereItApplies, type ApplicabilityContext } from "./schema";

/**
 * Refuses the first key (in declaration order) that is set where it has no effect, naming the setting
 * that rules it out and everywhere it would apply.
 * @param isSet whether the stack asks for something with the key: present and not its declared default.
 *   The Pulumi CLI hands every default declared in Pulumi.yaml to the program as if the stack had set it
 *   (pulumi/pulumi sdk/go/common/workspace/config.go, mergeConfig), so a default is never an error.
 * @param shown the value as an error may show it (never a secret).
 * @throws SettingsError naming the key.
 */
export function checkApplicability(context: ApplicabilityContext, isSet: (key: string) => boolean, shown: (key: string) => unknown): void {
  for (const decl of KEYS) {
    if (!decl.appliesTo || !isSet(decl.key)) continue;
    const under = inapplicableUnder(decl, context);
    if (under === undefined) continue;
    const problem = under === "cloud" ? `has no effect on ${CATALOG[context.cloud].title}` : `has no effect while ${fullKey(under)} is ${context[under]}`;
    throw new SettingsError(fullKey(decl.key), shown(decl.key), problem,
      `it applies only with ${joinAnd(whereItApplies(decl.appliesTo))}: remove ${fullKey(decl.key)} here`);
  }
}

function joinAnd(parts: string[]): string {
  return parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}
