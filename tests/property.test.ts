/**
 * Any config a user can type either yields settings (and a stack) or one clear error: the Pulumi CLI's
 * own refusal (read through harness/pulumiConfig.ts, as `pulumi up` reads it) or a settings error; never
 * a TypeError, never an unhandled rejection. Every stack that builds passes every cloud rule
 * (harness/cloudRules): what the settings accept, the clouds accept.
 */
import fc from "fast-check";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack } from "../harness/mockRuntime";
import { mergeStackConfig, PulumiConfigError, readProject } from "../harness/pulumiConfig";
import { isSettingsError, loadSettings } from "../settings";
import { program } from "../stacks/program";
import { configArb } from "./configArb";
import { ROOT } from "./helpers";

const PROJECT = readProject(ROOT);

function classify(config: Record<string, unknown>): "ok" | "settings-error" {
  try {
    loadSettings(config);
    return "ok";
  } catch (err) {
    if (isSettingsError(err)) return "settings-error";
    throw err;
  }
}

describe("any config", () => {
  it("yields settings or one settings error (2000 generated configs)", () => {
    let ok = 0;
    fc.assert(fc.property(configArb, (config) => {
      if (classify(config) === "ok") ok++;
    }), { numRuns: 2000, seed: 20261125 });
    // The generator must reach valid configs too, or the property proves little.
    expect(ok).toBeGreaterThan(50);
  });

  it("agrees with itself whether the CLI injected the declared defaults or not (2000 generated configs)", () => {
    // A component user calls loadSettings with only what they set; `pulumi up` hands the program every
    // declared default too. Both must give the same settings, or the same error.
    fc.assert(fc.property(configArb, (config) => {
      let merged: Record<string, string>;
      try {
        merged = mergeStackConfig(PROJECT, "prop", { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`fullstack:${k}`, v])) }, undefined).config;
      } catch (err) {
        if (err instanceof PulumiConfigError) return;
        throw err;
      }
      const raw = Object.fromEntries(Object.entries(merged).map(([k, v]) => [k.replace(/^fullstack:/, ""), v]));
      const outcome = (input: Record<string, unknown>) => {
        try {
          return JSON.stringify(loadSettings(input));
        } catch (err) {
          if (isSettingsError(err)) return `error: ${(err as Error).message}`;
          throw err;
        }
      };
      const direct = outcome(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" || v === null ? v : JSON.stringify(v)])));
      expect(outcome(raw)).toBe(direct);
    }), { numRuns: 2000, seed: 20261129 });
  });

  it("builds, or stops with the CLI's or the settings' error, under the mock engine; what builds passes every cloud rule (2000 generated configs)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let built = 0;
    let refusedByCli = 0;
    let builtAws = 0;
    try {
      await fc.assert(fc.asyncProperty(configArb, async (config) => {
        // The stack file a user would write, read as the CLI reads it. As the README says to, the AWS
        // provider's region is fullstack:region (the program refuses a difference).
        const file = { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`fullstack:${k}`, v])) };
        const settled = classify(config) === "ok" ? loadSettings(config) : undefined;
        if (settled?.cloud === "aws") file.config["aws:region"] = settled.region;
        let merged: { config: Record<string, string>; secretKeys: string[] };
        try {
          merged = mergeStackConfig(PROJECT, "prop", file, undefined);
        } catch (err) {
          expect(err).toBeInstanceOf(PulumiConfigError);
          expect((err as Error).message).toMatch(/^Stack 'prop' /);
          refusedByCli++;
          return;
        }
        try {
          const result = await runStack({ stack: "prop", config: merged.config, secretKeys: merged.secretKeys, program });
          expect(result.outputs.url.value).toMatch(/^https?:\/\//);
          // What a cloud would refuse, a stack that builds must not hold.
          expect(formatViolations(checkCloudRules(result.resources))).toBe("");
          if (settled?.cloud === "aws") builtAws++;
          built++;
        } catch (err) {
          // Only the settings error (as RunError from the program, or from a component's own check).
          expect(isSettingsError(err) || (err as Error).name === "RunError" || /^fullstack:/.test((err as Error).message)).toBe(true);
          expect((err as Error).message).toMatch(/^(fullstack:|[A-Z][A-Za-z]+\.)/);
        }
      }), { numRuns: Number(process.env.FULLSTACK_BUILD_RUNS ?? 2000), seed: 20261125 });
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(built).toBeGreaterThan(20);
    // The generator reaches the CLI's type checks too.
    expect(refusedByCli).toBeGreaterThan(0);
    // Few generated configs are valid AWS ones; tests/cloudRules.aws.test.ts generates AWS names on purpose.
    expect(builtAws).toBeGreaterThan(0);
  }, 600_000);
});
