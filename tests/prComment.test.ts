/**
 * `npm run pr-comment -- --base <git-ref>` (issue 16): the pull request comment of the preview workflow,
 * for every checked-in stack. The base is the working tree itself as a commit (HEAD, once committed), so
 * "no changes" holds while the tree is being edited; a change arrives the way a pull request's would,
 * through a changed stack directory (--config-dir), as in tests/planDiffCli.test.ts.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlannedChange } from "../harness/planDiff";
import { costChange, costOf } from "../tools/cost";
import type { DiffReport } from "../tools/planDiff";
import { COMMENT_LIMIT, MARKER, render, type StackSection } from "../tools/prComment";
import { ROOT } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "fullstack-pr-comment-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STACKS = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

/**
 * The working tree (tracked and new files, as `git add -A` sees them) as a commit on top of HEAD, made
 * with a throwaway index: neither the working tree nor the index changes.
 */
function workingTreeCommit(): string {
  const env = {
    ...process.env, GIT_INDEX_FILE: join(dir, "index"),
    GIT_AUTHOR_NAME: "test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "test", GIT_COMMITTER_EMAIL: "test@example.com",
  };
  const git = (...args: string[]) => execFileSync("git", ["-C", ROOT, ...args], { env, encoding: "utf8" }).trim();
  git("read-tree", "HEAD");
  git("add", "-A", ".");
  return git("commit-tree", git("write-tree"), "-p", "HEAD", "-m", "the working tree, for tests/prComment.test.ts");
}

/** The stack files, each changed by `changes` (a file name to its new text, or null to remove it). */
function configDir(changes: Record<string, ((text: string) => string) | null>): string {
  const out = mkdtempSync(join(dir, "stacks-"));
  for (const f of readdirSync(join(ROOT, "stacks")).filter((f) => f.endsWith(".yaml"))) copyFileSync(join(ROOT, "stacks", f), join(out, f));
  for (const [file, change] of Object.entries(changes)) {
    const path = join(out, file);
    if (change === null) {
      rmSync(path);
      continue;
    }
    let before = "";
    try {
      before = readFileSync(path, "utf8");
    } catch {
      // a new stack file
    }
    const after = change(before);
    if (after === before) throw new Error(`the change left ${file} as it was`);
    writeFileSync(path, after);
  }
  return out;
}

function prComment(args: string[]): Promise<{ code: number; stdout: string; stderr: string; body: string }> {
  const out = join(mkdtempSync(join(dir, "out-")), "comment.md");
  return new Promise((resolve) => {
    execFile("npx", ["tsx", "tools/prComment.ts", ...args, "--out", out], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      let body = "";
      try {
        body = readFileSync(out, "utf8");
      } catch {
        // no comment written: the assertions say so
      }
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr, body });
    });
  });
}

/** The table row of a stack. */
function row(body: string, stack: string): string {
  return body.split("\n").find((l) => l.startsWith(`| \`${stack}\``)) ?? `(no row for ${stack})`;
}

/** A stack's collapsible section. */
function sectionOf(body: string, stack: string): string {
  const start = body.indexOf(`<summary><b>${stack}</b>`);
  if (start < 0) return `(no section for ${stack})`;
  return body.slice(body.lastIndexOf("<details", start), body.indexOf("</details>", start));
}

const mermaidBlocks = (s: string) => [...s.matchAll(/^```mermaid\nflowchart [A-Z]{2}\n[\s\S]*?\n```$/gm)].length;

describe("npm run pr-comment", () => {
  const base = workingTreeCommit();

  it("against the working tree itself: every stack unchanged, one diagram each, exit 0", async () => {
    const r = await prComment(["--base", base]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
    expect(r.body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(r.body).not.toContain("[!CAUTION]");
    expect(r.body).toContain("No dangerous changes");
    expect(STACKS.length).toBe(6);
    for (const s of STACKS) {
      expect(row(r.body, s)).toMatch(new RegExp(`^\\| \`${s}\` \\| No changes \\| \\$\\d+\\.\\d\\d \\(unchanged\\) \\|$`));
      const section = sectionOf(r.body, s);
      expect(section).toContain(`Plan diff for stack ${s}: ${base} -> working tree\n\nNo changes.`);
      expect(mermaidBlocks(section)).toBe(1);
    }
    expect(r.body.length).toBeLessThan(COMMENT_LIMIT);
  }, 240_000);

  it("a new region, a new stack and a removed one: dangers on top, all-create, exit 3 after writing the comment", async () => {
    const cfg = configDir({
      "Pulumi.staging.yaml": (t) => t.replace("fullstack:region: fra1", "fullstack:region: ams3"),
      "Pulumi.review.yaml": () => readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8"),
      "Pulumi.aws-dev.yaml": null,
    });
    const r = await prComment(["--base", base, "--config-dir", cfg]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^DANGER in 1 stack\(s\):\n {2}staging: replace DatabaseCluster shop-staging-db/);
    const body = r.body;
    expect(body.startsWith(`${MARKER}\n`)).toBe(true);
    // The dangers come before any stack's section, each naming its stack.
    const caution = body.indexOf("> [!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(body.indexOf("| Stack |"));
    expect(caution).toBeLessThan(body.indexOf("<details"));
    const box = body.slice(caution, body.indexOf("\n\n", caution));
    expect(box).toMatch(/DANGER: 4 changes would lose data/);
    expect(box).toMatch(/^> - `staging`: replace DatabaseCluster shop-staging-db \(by privateNetworkUuid\) \[database\] \[protected\]$/m);
    expect(box).toMatch(/^> - `staging`: replace SpacesBucket shop-staging-static \(by region\) \[bucket\] \[protected\]$/m);
    expect(box).not.toMatch(/`(dev|prod|review|aws-[a-z]+)`/);
    // The dangerous stack's section is open, with the diff's own danger lines; the others stay closed.
    expect(row(body, "staging")).toMatch(/^\| `staging` ⚠️ \| \d+ to replace/);
    const staging = sectionOf(body, "staging");
    expect(staging.startsWith("<details open>")).toBe(true);
    expect(staging).toContain("DANGER: data would be lost, or `pulumi up` would refuse (protected):");
    expect(mermaidBlocks(staging)).toBe(1);
    expect(sectionOf(body, "dev").startsWith("<details>\n")).toBe(true);
    // A stack the base does not have: everything is created, nothing is a danger; a removed one is noted.
    expect(row(body, "review")).toMatch(/^\| `review` \| new stack: \d+ to create \| \$0\.00 → \$\d+\.\d\d \(\+\$\d+\.\d\d\) \|$/);
    const review = sectionOf(body, "review");
    expect(review).toContain("`Pulumi.review.yaml` is new");
    expect(review).toMatch(/\n\+ create {2}Droplet shop-review-/);
    expect(review).not.toMatch(/^[~-] /m);
    expect(mermaidBlocks(review)).toBe(1);
    expect(row(body, "aws-dev")).toBe("| `aws-dev` | stack file removed |  |");
    expect(sectionOf(body, "aws-dev")).toContain("Removing the file destroys nothing");
    for (const s of ["dev", "prod", "aws-staging", "aws-prod"]) expect(row(body, s)).toMatch(/\| No changes \|/);
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
  }, 240_000);

  it("a stack that cannot be planned: its error in its section, exit 1", async () => {
    const cfg = configDir({ "Pulumi.dev.yaml": (t) => t.replace("fullstack:region: fra1", "fullstack:region: xyz1") });
    const r = await prComment(["--base", base, "--config-dir", cfg, "--stack", "dev", "--stack", "prod"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: stack dev could not be planned: .*fullstack:region "xyz1" is not a DigitalOcean region/m);
    expect(r.body).toMatch(/> \[!WARNING\]\n> \*\*Could not plan \(or draw\) `dev`\*\*/);
    expect(row(r.body, "dev")).toBe("| `dev` | **plan failed** |  |");
    expect(sectionOf(r.body, "dev")).toMatch(/\*\*The plan failed:\*\*\n\n```text\n.*fullstack:region "xyz1" is not a DigitalOcean region/);
    expect(row(r.body, "prod")).toMatch(/\| No changes \|/);
  }, 120_000);

  it("refuses a run without a base", async () => {
    const r = await prComment([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--base needs a git revision/);
    expect(r.body).toBe("");
  }, 60_000);
});

describe("the comment stays under GitHub's limit", () => {
  const EMPTY = { resources: [], outputs: {} };
  const change = (i: number): PlannedChange => ({
    urn: `urn:${i}`, type: "digitalocean:index/droplet:Droplet", name: `web-${i}`, action: "update", changed: ["userData"], replacingBy: [], ruleUnknown: false, protect: false,
  });
  const report = (stack: string, n: number, danger = false): DiffReport => {
    const changes = Array.from({ length: n }, (_, i) => change(i));
    const dangers: PlannedChange[] = danger ? [{ ...change(0), type: "digitalocean:index/volume:Volume", name: `${stack}-data`, action: "replace", replacingBy: ["size"], stateful: "volume", protect: true }] : [];
    return { stack, ref: "main", providers: [], dangers, changes: [...dangers, ...changes], downtime: [], cost: { ...costChange(costOf(EMPTY), costOf(EMPTY)), before: 10, after: 12, delta: 2 } };
  };
  const sectionFor = (stack: string, n: number, danger = false): StackSection => ({
    stack, isNew: false, removed: false, report: report(stack, n, danger),
    diffText: `Plan diff for stack ${stack}: main -> working tree\n\n${Array.from({ length: n }, (_, i) => `~ update  Droplet web-${i}: userData`).join("\n")}\n`,
    diagram: `flowchart LR\n  a_${stack}["${stack}"] --> b_${stack}["db"]`,
  });

  it("cuts the longest diffs, keeps the short ones whole, the dangers on top and every diagram", () => {
    const sections = [sectionFor("small", 3), sectionFor("huge", 20_000, true), sectionFor("big", 6_000)];
    const c = render(sections, "main");
    expect(c.body.length).toBeLessThan(COMMENT_LIMIT);
    expect(c.body.startsWith(MARKER)).toBe(true);
    expect(c.body.indexOf("[!CAUTION]")).toBeLessThan(c.body.indexOf("<details"));
    expect(c.exitCode).toBe(3);
    expect(c.dangers).toEqual(["huge: replace Volume huge-data (by size) [volume] [protected]"]);
    expect(sectionOf(c.body, "small")).toContain(sections[0].diffText!.trimEnd());
    expect(sectionOf(c.body, "huge")).toMatch(/… \d+ more lines cut to keep this comment under GitHub's size limit; the whole diff: `npm run plan -- --stack huge --diff main`/);
    expect(sectionOf(c.body, "big")).toMatch(/… \d+ more lines cut/);
    expect(mermaidBlocks(c.body)).toBe(3);
    // The room is used: what is left out is no more than it must be.
    expect(c.body.length).toBeGreaterThan(COMMENT_LIMIT - 4_000);
  });

  it("a code fence in a diff cannot end its block", () => {
    const s = sectionFor("odd", 1);
    s.diffText = "before\n```\nafter\n";
    const body = render([s], "main").body;
    expect(body).toContain("````text\nbefore\n```\nafter\n````");
  });
});
