/**
 * Every checked-in stack passes every cloud rule (harness/cloudRules): what the mocks accept, the real
 * clouds must accept too. Per-rule regression tests live beside it (cloudRules.<cloud>.test.ts).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { ROOT, planStack } from "./helpers";

const STACKS = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);

describe("cloud rules over every checked-in stack", () => {
  it("finds the stacks", () => expect(STACKS.length).toBeGreaterThanOrEqual(6));

  it.each(STACKS)("%s: nothing a cloud would refuse", async (stack) => {
    const result = await planStack(stack);
    expect(formatViolations(checkCloudRules(result.resources))).toBe("");
  });
});
