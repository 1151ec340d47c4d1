/**
 * `npm run pr-comment -- --base <git-ref> [--out FILE] [--config-dir DIR] [--stack NAME ...]`: the pull
 * request comment of the preview workflow (.github/workflows/preview.yml). For every checked-in stack
 * (`stacks/Pulumi.<stack>.yaml`), the offline plan diff against `<git-ref>` (tools/planDiff.ts), its
 * monthly cost change (tools/cost.ts) and the working tree's diagram (tools/diagram.ts), as one Markdown
 * comment that starts with {@link MARKER}, so the workflow updates the same comment on every push.
 *
 * Dangers of every stack come first; then one collapsible section per stack. The comment stays under
 * GitHub's limit (65,536 characters): the longest diffs are cut, with a note, when it would not.
 * Exit codes, after the comment is written: 3 when a stack has a danger, 1 when a stack could not be
 * planned (its error is in its section), 0 otherwise.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { diffPlans, type PlannedChange } from "../harness/planDiff";
import type { RunResult } from "../harness/mockRuntime";
import { readProject } from "../harness/pulumiConfig";
import { costChange, costOf } from "./cost";
import { diagramOf } from "./diagram";
import { diffWithPlans, downtimeOf, formatReport, measuredBootSeconds, planAt, type DiffReport } from "./planDiff";

const ROOT = resolve(__dirname, "..");

/** The first line of the comment: the workflow finds its own comment by it. */
export const MARKER = "<!-- fullstack-pulumi-preview -->";
/** GitHub refuses a comment body longer than this (characters). */
export const COMMENT_LIMIT = 65_536;
/** What the comment aims at: the limit less room for GitHub's own counting and the workflow's footer. */
const BUDGET = COMMENT_LIMIT - 1_536;

/** One stack's part of the comment. */
export interface StackSection {
  stack: string;
  /** The stack file is new in the working tree: the base had no such stack, so everything is created. */
  isNew: boolean;
  /** The stack file exists at the base only: the pull request removes it. */
  removed: boolean;
  report?: DiffReport;
  /** formatReport's text of {@link report}. */
  diffText?: string;
  diagram?: string;
  /** Why the stack (or its diagram) could not be planned. */
  error?: string;
}

export interface PrComment {
  body: string;
  sections: StackSection[];
  /** Dangers over all stacks, one line each, `stack: what`. */
  dangers: string[];
  failed: string[];
  exitCode: 0 | 1 | 3;
}

interface Args {
  base: string;
  out?: string;
  configDir?: string;
  stacks: string[];
}

const USAGE = "usage: npm run pr-comment -- --base GIT-REF [--out FILE] [--config-dir DIR] [--stack NAME ...]";

function parseArgs(argv: string[]): Args {
  let base: string | undefined;
  let out: string | undefined;
  let configDir: string | undefined;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--base") base = argv[++i] ?? "";
    else if (a.startsWith("--base=")) base = a.slice("--base=".length);
    else if (a === "--out") out = argv[++i] ?? "";
    else if (a === "--config-dir") configDir = resolve(argv[++i] ?? ".");
    else if (a === "--stack" || a === "-s") stacks.push(argv[++i] ?? "");
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  if (!base) throw new Error(`--base needs a git revision (the pull request's base, e.g. origin/main); ${USAGE}`);
  if (out === "") throw new Error(`--out needs a file; ${USAGE}`);
  if (stacks.some((s) => s === "")) throw new Error(`--stack needs a name; ${USAGE}`);
  return { base, out, configDir, stacks };
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** The project's stack config directory, relative to the root (Pulumi.yaml's `stackConfigDir`). */
function stackDir(root: string): string {
  return readProject(root).stackConfigDir ?? ".";
}

/** The stacks checked in to the working tree (or `configDir`). */
export function stacksInTree(root: string, configDir?: string): string[] {
  const dir = configDir ?? join(root, stackDir(root));
  return readdirSync(dir).map((f) => STACK_FILE.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

/** The stacks checked in at `ref`. */
export function stacksAt(root: string, ref: string): string[] {
  const dir = stackDir(root);
  let listing: string;
  try {
    listing = execFileSync("git", ["-C", root, "ls-tree", "--name-only", `${ref}:${dir === "." ? "" : dir}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    throw new Error(`cannot read the stacks at ${ref}: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
  return listing.split("\n").map((f) => STACK_FILE.exec(f.trim())?.[1]).filter((s): s is string => s !== undefined).sort();
}

const EMPTY: RunResult = { resources: [], outputs: {}, config: {} };

/** A stack the base does not have: every resource is created (and no provider setting "changes"). */
async function newStackReport(root: string, stack: string, ref: string, configDir?: string): Promise<{ report: DiffReport; after: RunResult }> {
  const after = await planAt(root, stack, configDir);
  const changes: PlannedChange[] = diffPlans(EMPTY, after);
  const report: DiffReport = {
    stack, ref, providers: [], dangers: [], changes,
    downtime: downtimeOf(changes, after, measuredBootSeconds(root)), cost: costChange(costOf(EMPTY), costOf(after)),
  };
  return { report, after };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Plans one stack for the comment; errors end up in the section, never thrown. */
async function section(root: string, stack: string, ref: string, atBase: boolean, inTree: boolean, configDir?: string): Promise<StackSection> {
  const s: StackSection = { stack, isNew: !atBase, removed: !inTree };
  if (!inTree) return s;
  let after: RunResult;
  try {
    const planned = atBase ? await diffWithPlans(root, stack, ref, configDir) : await newStackReport(root, stack, ref, configDir);
    s.report = planned.report;
    s.diffText = formatReport(planned.report);
    after = planned.after;
  } catch (err) {
    s.error = message(err);
    return s;
  }
  try {
    s.diagram = diagramOf(after, stack);
  } catch (err) {
    s.error = `the diagram: ${message(err)}`;
  }
  return s;
}

/** The dangers of one stack, one line each. */
export function dangerLines(s: StackSection): string[] {
  if (!s.report) return [];
  const short = (t: string) => t.split(":").pop()!;
  return [
    ...s.report.providers.filter((p) => p.danger).map((p) => `${p.key} ${p.before ?? "(unset)"} -> ${p.after ?? "(unset)"}: the stack's resources stay where they are`),
    ...s.report.dangers.map((c) => `${c.action} ${short(c.type)} ${c.name}${c.replacingBy.length ? ` (by ${c.replacingBy.join(", ")})` : ""}${c.stateful ? ` [${c.stateful}]` : ""}${c.protect ? " [protected]" : ""}`),
  ];
}

function isDangerous(s: StackSection): boolean {
  return dangerLines(s).length > 0;
}

/** A code fence longer than any run of backticks in `text`, so the text cannot close it. */
function fence(text: string, info: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${info}\n${text.replace(/\n+$/, "")}\n${f}`;
}

/** Markdown inline code for a name (stack names are [A-Za-z0-9_.-]). */
const code = (s: string) => `\`${s}\``;

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

function costCell(s: StackSection): string {
  const c = s.report?.cost;
  if (!c) return "";
  if (c.delta === 0) return `${money(c.after)} (unchanged)`;
  return `${money(c.before)} → ${money(c.after)} (${c.delta > 0 ? "+" : "−"}${money(Math.abs(c.delta))})`;
}

function changesCell(s: StackSection): string {
  if (s.removed) return "stack file removed";
  if (!s.report) return "**plan failed**";
  const r = s.report;
  if (r.changes.length === 0 && r.providers.length === 0) return "No changes";
  const count = (a: PlannedChange["action"]) => r.changes.filter((c) => c.action === a).length;
  const parts = [[count("create"), "create"], [count("update"), "update"], [count("replace"), "replace"], [count("delete"), "delete"]]
    .filter(([n]) => (n as number) > 0).map(([n, w]) => `${n} to ${w}`);
  if (r.providers.length > 0) parts.push(`provider settings: ${r.providers.map((p) => p.key).join(", ")}`);
  return `${s.isNew ? "new stack: " : ""}${parts.join(", ")}`;
}

/** Cuts `text` to at most `max` characters at a line end, saying how much was left out and where to see it all. */
export function truncate(text: string, max: number, rerun: string): string {
  if (text.length <= max) return text;
  const lines = text.split("\n");
  const kept: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > max) break;
    kept.push(l);
    size += l.length + 1;
  }
  const left = lines.length - kept.length;
  return `${kept.join("\n")}\n… ${left} more line${left === 1 ? "" : "s"} cut to keep this comment under GitHub's size limit; the whole diff: ${rerun}\n`;
}

function sectionBody(s: StackSection, base: string, diffText: string | undefined, diagram: string | undefined): string {
  const out: string[] = [];
  const title = `<summary><b>${s.stack}</b>: ${changesCell(s).replace(/\*\*/g, "")}${isDangerous(s) ? " ⚠️ <b>DANGER</b>" : ""}${s.report ? ` · ${costCell(s)}` : ""}</summary>`;
  out.push(`<details${isDangerous(s) || s.error ? " open" : ""}>`, title, "");
  if (s.removed) {
    out.push(`The pull request removes \`Pulumi.${s.stack}.yaml\`. Removing the file destroys nothing: the stack and its resources stay until \`pulumi destroy\`.`);
  } else if (s.error && !s.report) {
    out.push("**The plan failed:**", "", fence(s.error, "text"));
  } else {
    if (s.error) out.push("**Failed:**", "", fence(s.error, "text"), "");
    if (s.isNew) out.push(`\`Pulumi.${s.stack}.yaml\` is new: ${base} has no such stack, so every resource is created.`, "");
    out.push(fence(diffText ?? "", "text"), "");
    if (diagram !== undefined) out.push("The stack as this pull request plans it:", "", fence(diagram, "mermaid"));
  }
  out.push("", "</details>", "");
  return out.join("\n");
}

/** The comment body, fitted under {@link BUDGET} by cutting the longest diffs first, then the diagrams. */
export function render(sections: StackSection[], base: string, baseLabel = base): PrComment {
  const failed = sections.filter((s) => s.error).map((s) => s.stack);
  const dangers = sections.flatMap((s) => dangerLines(s).map((d) => `${s.stack}: ${d}`));
  const head: string[] = [MARKER, `## Plan preview: ${code(baseLabel)} → this pull request`, ""];
  if (dangers.length > 0) {
    const shown = dangers.slice(0, 40);
    head.push(
      "> [!CAUTION]",
      `> **DANGER: ${dangers.length} change${dangers.length === 1 ? "" : "s"} would lose data, or \`pulumi up\` would refuse them (protected).** This check fails while the pull request has them.`,
      ">",
      ...shown.map((d) => `> - ${d.replace(/^([^:]+):/, (_m, st: string) => `${code(st)}:`)}`),
      ...(dangers.length > shown.length ? [`> - … and ${dangers.length - shown.length} more (in the stacks below)`] : []),
      "",
    );
  }
  if (failed.length > 0) {
    head.push("> [!WARNING]", `> **Could not plan (or draw) ${failed.map(code).join(", ")}**: the error is in the stack's section below.`, "");
  }
  if (dangers.length === 0 && failed.length === 0) head.push("No dangerous changes: no volume, database, cache, bucket or queue is replaced or deleted, and no protected resource is touched.", "");
  head.push("| Stack | Changes | Monthly cost |", "|---|---|---|");
  for (const s of sections) head.push(`| ${code(s.stack)}${isDangerous(s) ? " ⚠️" : ""} | ${changesCell(s)} | ${costCell(s)} |`);
  head.push("", "Offline plans under Pulumi's mocks (`npm run plan -- --stack <stack> --diff <base>`); list prices from the catalog in `tools/prices.ts` (`tools/cost.ts`).", "");
  const headText = `${head.join("\n")}\n`;

  const rerun = (s: string) => `\`npm run plan -- --stack ${s} --diff ${base}\``;
  const build = (diffs: (string | undefined)[], diagrams: (string | undefined)[]) =>
    headText + sections.map((s, i) => sectionBody(s, base, diffs[i], diagrams[i])).join("");
  let diffs = sections.map((s) => s.diffText);
  let diagrams = sections.map((s) => s.diagram);
  let body = build(diffs, diagrams);
  if (body.length > BUDGET) {
    // Share what the rest leaves among the diffs, the smallest first, so short diffs stay whole.
    const fixed = build(sections.map(() => ""), diagrams).length;
    diffs = fitted(sections.map((s) => s.diffText), BUDGET - fixed, sections.map((s) => rerun(s.stack)));
    body = build(diffs, diagrams);
  }
  if (body.length > BUDGET) {
    diagrams = sections.map((s) => s.diagram === undefined ? undefined : "flowchart LR\n  cut[\"diagram left out: the comment would pass GitHub's size limit\"]");
    const fixed = build(sections.map(() => ""), diagrams).length;
    diffs = fitted(sections.map((s) => s.diffText), BUDGET - fixed, sections.map((s) => rerun(s.stack)));
    body = build(diffs, diagrams);
  }
  if (body.length > BUDGET) body = truncate(body, BUDGET, "see the workflow's log");
  const exitCode = failed.length > 0 ? 1 : dangers.length > 0 ? 3 : 0;
  return { body, sections, dangers, failed, exitCode };
}

/** Each text cut to a fair share of `room`: texts under the share stay whole and leave the rest to the others. */
function fitted(texts: (string | undefined)[], room: number, reruns: string[]): (string | undefined)[] {
  const NOTE = 400; // room for the truncation note
  const order = texts.map((t, i) => ({ i, len: t?.length ?? 0 })).sort((a, b) => a.len - b.len);
  const out = [...texts];
  let left = Math.max(0, room);
  let count = order.filter((o) => texts[o.i] !== undefined).length;
  for (const { i, len } of order) {
    if (texts[i] === undefined) continue;
    const share = Math.floor(left / count);
    if (len > share) out[i] = truncate(texts[i]!, Math.max(0, share - NOTE), reruns[i]);
    left -= Math.min(len, share);
    count--;
  }
  return out;
}

/** Plans every stack (of the working tree and of `base`) and renders the comment. */
export async function prComment(root: string, base: string, options: { configDir?: string; stacks?: string[] } = {}): Promise<PrComment> {
  const inTree = new Set(stacksInTree(root, options.configDir));
  const atBase = new Set(stacksAt(root, base));
  const names = options.stacks?.length ? options.stacks : [...new Set([...inTree, ...atBase])].sort();
  const sections: StackSection[] = [];
  // One at a time: the mock runtime is one per process.
  for (const stack of names) sections.push(await section(root, stack, base, atBase.has(stack), inTree.has(stack), options.configDir));
  let label = base;
  try {
    const sha = execFileSync("git", ["-C", root, "rev-parse", "--short", `${base}^{commit}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (sha && !base.startsWith(sha)) label = `${base} (${sha})`;
  } catch {
    // stacksAt has already said what is wrong with the revision
  }
  return render(sections, base, label);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const s of args.stacks) {
    if (!existsSync(join(args.configDir ?? join(ROOT, stackDir(ROOT)), `Pulumi.${s}.yaml`)) && !stacksAt(ROOT, args.base).includes(s)) {
      throw new Error(`no stack ${s} in the working tree or at ${args.base}`);
    }
  }
  const comment = await prComment(ROOT, args.base, { configDir: args.configDir, stacks: args.stacks });
  if (args.out) writeFileSync(args.out, comment.body);
  else process.stdout.write(comment.body);
  for (const s of comment.failed) process.stderr.write(`error: stack ${s} could not be planned: ${comment.sections.find((x) => x.stack === s)?.error}\n`);
  if (comment.dangers.length > 0) process.stderr.write(`DANGER in ${new Set(comment.dangers.map((d) => d.split(":")[0])).size} stack(s):\n${comment.dangers.map((d) => `  ${d}`).join("\n")}\n`);
  process.exitCode = comment.exitCode;
}

if (require.main === module) {
  // Errors from a stack's program end up in its section; what is left (arguments, git) ends the run here.
  process.on("unhandledRejection", (err) => {
    process.stderr.write(`error: ${message(err)}\n`);
    process.exit(1);
  });
  void main();
}
