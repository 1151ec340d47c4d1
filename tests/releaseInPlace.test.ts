/**
 * A release is the action users take most often, so it must not touch the servers' definitions: a new
 * `appRef`, a new `appEnv` entry or a new secret changes only what carries releases (the pushed release
 * Command on DigitalOcean; the secret files parameter and the Systems Manager association on AWS). Two
 * builds of each checked-in stack are compared input by input: every other resource, servers, launch
 * templates, volumes, databases and buckets among them, is planned with identical inputs, so the engine
 * has nothing to update and nothing to replace.
 */
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { planStack } from "./helpers";
import { stableView } from "./topology/inspect";

const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"];

/** The resources that carry a release, and so change with one. */
const RELEASE_CARRIERS = new Set(["command:remote:Command", "aws:ssm/parameter:Parameter", "aws:ssm/association:Association"]);

function byKey(result: RunResult): Map<string, RecordedResource> {
  return new Map(result.resources.map((r) => [`${r.type}::${r.name}`, r]));
}

/**
 * Resources whose inputs or options differ between two builds (or that exist in only one); references to
 * other resources are compared by URN (the mock's ids differ from run to run, URNs do not).
 */
function changed(a: RunResult, b: RunResult): { key: string; carrier: boolean }[] {
  const [ma, mb] = [byKey(a), byKey(b)];
  const keys = new Set([...ma.keys(), ...mb.keys()]);
  const view = (result: RunResult, r: RecordedResource | undefined) => r && JSON.stringify({
    ...stableView(result, r), replaceOnChanges: r.replaceOnChanges, deleteBeforeReplace: r.deleteBeforeReplace, ignoreChanges: r.ignoreChanges,
  });
  return [...keys].filter((k) => view(a, ma.get(k)) !== view(b, mb.get(k)))
    .map((key) => ({ key, carrier: RELEASE_CARRIERS.has(key.split("::")[0]) }));
}

describe.each(STACKS)("stack %s: a release changes only what carries releases", (stack) => {
  let base: RunResult;
  beforeAll(async () => {
    base = await planStack(stack);
  }, 120_000);

  it.each([
    ["a new appRef", { appRef: "v9.9.9" }],
    ["a new appEnv entry", { appEnv: ["FEATURE_X=on"] }],
    ["a new secret (Sentry-style DSN in appEnv)", { appEnv: ["SENTRY_DSN=https://k3y@o1.ingest.example/1"] }],
  ])("%s: no server, volume, database or bucket input changes; a release carrier does", async (_what, overrides) => {
    const next = await planStack(stack, overrides);
    const diff = changed(base, next);
    expect(diff.filter((d) => !d.carrier).map((d) => d.key)).toEqual([]);
    // Every server that runs the app gets the release: one carrier changed per server or group.
    expect(diff.filter((d) => d.carrier).length).toBeGreaterThan(0);
  }, 120_000);
});
