/**
 * `npm run plan -- --diff <git-ref>` (issue 16): the stack at a git revision against the working tree,
 * both planned offline. The working tree's side takes a changed stack file through --config-dir, as a
 * pull request's would be.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DiffReport } from "../tools/planDiff";
import { planStack, ROOT } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "fullstack-plan-diff-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack files with `change` applied to one of them. */
function configDir(stack: string, change: (text: string) => string): string {
  const out = mkdtempSync(join(dir, "stacks-"));
  for (const f of readdirSync(join(ROOT, "stacks")).filter((f) => f.endsWith(".yaml"))) copyFileSync(join(ROOT, "stacks", f), join(out, f));
  const file = join(out, `Pulumi.${stack}.yaml`);
  const before = readFileSync(file, "utf8");
  const after = change(before);
  if (after === before) throw new Error(`the change left Pulumi.${stack}.yaml as it was`);
  writeFileSync(file, after);
  return out;
}

function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npx", ["tsx", "tools/plan.ts", ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("npm run plan -- --diff", () => {
  it("HEAD against an unchanged working tree: no changes", async () => {
    const r = await plan(["--stack", "dev", "--diff", "HEAD"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Plan diff for stack dev: HEAD -> working tree\n\nNo changes.");
    expect(r.code).toBe(0);
  }, 120_000);

  it("a new region: the dangers first, and --fail-on-danger exits non-zero; --json gives the same data", async () => {
    const cfg = configDir("staging", (t) => t.replace("fullstack:region: fra1", "fullstack:region: ams3"));
    const text = await plan(["--stack", "staging", "--diff", "HEAD", "--config-dir", cfg, "--fail-on-danger"]);
    expect(text.code).toBe(3);
    const [head, rest] = text.stdout.split("\n\n+- replace");
    expect(rest).toBeDefined();
    expect(head).toMatch(/DANGER: data would be lost, or `pulumi up` would refuse \(protected\):\n {2}\+- replace DatabaseCluster shop-staging-db: .*\[database\] \[protected\]/);
    expect(head).toMatch(/SpacesBucket shop-staging-static: region \(replaced by a change of region\) \[bucket\] \[protected\]/);
    expect(head).toMatch(/DatabaseCluster shop-staging-redis: .*\[cache\] \[protected\]/);
    const json = await plan(["--stack", "staging", "--diff", "HEAD", "--config-dir", cfg, "--json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DiffReport;
    expect(report.dangers.map((c) => c.name).sort()).toEqual(["shop-staging-db", "shop-staging-db-db", "shop-staging-redis", "shop-staging-static"]);
    expect(report.changes.filter((c) => c.action === "replace").length).toBeGreaterThanOrEqual(report.dangers.length);
  }, 240_000);

  it("a changed secret is a change, shown by name only", async () => {
    const cfg = configDir("dev", (t) => t.replace(/^( {2}fullstack:appRef: ).*$/m, "$1v9.9.9-test"));
    const r = await plan(["--stack", "dev", "--diff", "HEAD", "--config-dir", cfg, "--json"]);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.changes.map((c) => `${c.action} ${c.type}`)).toEqual(["update command:remote:Command"]);
    expect(report.changes[0].changed).toEqual(["stdin"]);
    // The release's stdin is secret (the app's environment): none of the stack's secrets is printed.
    const secrets = (await planStack("dev")).resources.flatMap((x) => x.secretValues).filter((v) => v.length >= 8);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(r.stdout).not.toContain(s);
  }, 120_000);
});
