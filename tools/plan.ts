/**
 * `npm run plan -- --stack dev [--json]`: evaluates the real stack program under Pulumi's mock runtime
 * with `stacks/Pulumi.<stack>.yaml` and prints the resources `pulumi up` would create. No CLI, no
 * cloud account, no network. Secrets print as [secret]; `secure:` config values stay opaque.
 * `--diff <git-ref>` prints what would change from the stack at that revision instead (tools/planDiff.ts).
 * `--cost` prints the stack's monthly cost from the price catalog (tools/cost.ts), or with `--diff` its
 * change; `--diagram FILE` writes the planned stack as a Mermaid flowchart (tools/diagram.ts; `-` for stdout).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { evaluatePolicies } from "../harness/policyRunner";
import { rules } from "../policies/rules";
import { program } from "../stacks/program";
import { costOf, formatCost } from "./cost";
import { diagramOf } from "./diagram";
import { diffWithPlans, formatReport, reportJson } from "./planDiff";
import { lintStack, readStackConfig } from "./stackConfig";

const ROOT = resolve(__dirname, "..");

interface PlanArgs {
  stack: string;
  json: boolean;
  configDir?: string;
  policies: boolean;
  diff?: string;
  failOnDanger: boolean;
  cost: boolean;
  diagram?: string;
}

const USAGE = "usage: npm run plan -- [--stack NAME] [--json] [--policies] [--config-dir DIR] [--diff GIT-REF [--fail-on-danger]] [--cost] [--diagram FILE|-]";

function parseArgs(argv: string[]): PlanArgs {
  let stack = "dev";
  let json = false;
  let configDir: string | undefined;
  let policies = false;
  let diff: string | undefined;
  let failOnDanger = false;
  let cost = false;
  let diagram: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--stack" || a === "-s") stack = argv[++i] ?? "";
    else if (a.startsWith("--stack=")) stack = a.slice("--stack=".length);
    else if (a === "--config-dir") configDir = resolve(argv[++i] ?? ".");
    else if (a === "--policies") policies = true;
    else if (a === "--diff") diff = argv[++i] ?? "";
    else if (a === "--fail-on-danger") failOnDanger = true;
    else if (a === "--cost") cost = true;
    else if (a === "--diagram") diagram = argv[++i] ?? "";
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  if (diff === "") throw new Error(`--diff needs a git revision, e.g. --diff origin/main; ${USAGE}`);
  if (failOnDanger && diff === undefined) throw new Error(`--fail-on-danger goes with --diff; ${USAGE}`);
  if (diagram === "") throw new Error(`--diagram needs a file to write, or - for standard output; ${USAGE}`);
  // The diff report is on standard output already: the two would be mixed.
  if (diagram === "-" && diff !== undefined) throw new Error(`with --diff, --diagram needs a file to write (the diff report is on standard output); ${USAGE}`);
  return { stack, json, configDir, policies, diff, failOnDanger, cost, diagram };
}

/** Long strings (user data) are summarised and other resources' ids named; the JSON output keeps them whole. */
function summarise(value: unknown, names: Map<string, string>): unknown {
  if (typeof value === "string" && names.has(value)) return `<id of ${names.get(value)}>`;
  if (typeof value === "number" && names.has(String(value))) return `<id of ${names.get(String(value))}>`;
  if (typeof value === "string" && value.length > 120) {
    const digest = createHash("sha256").update(value).digest("hex").slice(0, 12);
    const kind = value.startsWith("#cloud-config") ? "cloud-config" : "text";
    return `<${kind}, ${Buffer.byteLength(value)} bytes, sha256 ${digest}>`;
  }
  if (Array.isArray(value)) return value.map((v) => summarise(v, names));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarise(v, names)]));
  return value;
}

function printTree(result: RunResult, stack: string): void {
  // Mock ids mean nothing to a reader; name the resource they stand for.
  const names = new Map(result.resources.filter((r) => r.id && r.custom).map((r) => [r.id!, r.name]));
  const byParent = new Map<string | undefined, RecordedResource[]>();
  for (const r of result.resources) {
    const list = byParent.get(r.parent) ?? [];
    list.push(r);
    byParent.set(r.parent, list);
  }
  const out: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of byParent.get(parent) ?? []) {
      const flags = [r.protect && "protected", r.deleteBeforeReplace && "delete-before-replace"].filter(Boolean);
      out.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
      if (r.custom) {
        for (const [k, v] of Object.entries(summarise(r.inputs, names) as Record<string, unknown>)) {
          if (k === "name" && v === r.name) continue;
          out.push(`${"  ".repeat(depth + 2)}${k}: ${JSON.stringify(v)}`);
        }
      }
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  const custom = result.resources.filter((r) => r.custom).length;
  out.push("", `Outputs:`);
  for (const [k, o] of Object.entries(result.outputs)) out.push(`  ${k}: ${o.secret ? "[secret]" : JSON.stringify(o.value)}`);
  out.push("", `Plan for stack ${stack}: ${custom} cloud resources to create (${result.resources.length - custom} components).`);
  process.stdout.write(`${out.join("\n")}\n`);
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.diff !== undefined) {
    const { report, after } = await diffWithPlans(ROOT, args.stack, args.diff, args.configDir);
    process.stdout.write(args.json ? reportJson(report) : formatReport(report));
    if (args.diagram !== undefined) writeDiagram(args.diagram, after, args.stack);
    if (args.failOnDanger && (report.dangers.length > 0 || report.providers.some((p) => p.danger))) process.exitCode = 3;
    return;
  }
  const cfg = readStackConfig(ROOT, args.stack, args.configDir);
  const changed = lintStack(ROOT, args.stack, args.configDir);
  if (changed.length > 0) fail(changed.join("\n"));
  const result = await runStack({ project: cfg.project, stack: cfg.stack, config: cfg.config, secretKeys: cfg.secretKeys, program });
  // What the cloud would refuse fails the plan, as it would fail `pulumi up`.
  const refused = checkCloudRules(result.resources);
  if (refused.length > 0) fail(`the cloud would refuse this stack:\n${formatViolations(refused)}`);
  if (args.diagram !== undefined) writeDiagram(args.diagram, result, args.stack);
  // The diagram on standard output is the whole output, so it can be piped.
  if (args.diagram === "-" && !args.cost) return;
  if (args.cost) {
    const cost = costOf(result);
    process.stdout.write(args.json ? `${JSON.stringify({ stack: args.stack, cost }, null, 2)}\n` : formatCost(cost, args.stack));
    return;
  }
  const violations = args.policies ? await evaluatePolicies(result.resources, rules) : [];
  if (args.json) {
    const resources = result.resources.map((r) => ({
      urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom,
      protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace, inputs: r.inputs,
    }));
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]));
    process.stdout.write(`${JSON.stringify({ stack: args.stack, resources, outputs, ...(args.policies ? { violations } : {}) }, null, 2)}\n`);
  } else {
    printTree(result, args.stack);
    if (args.policies) {
      process.stdout.write(violations.length === 0 ? "Policies: every rule passes.\n"
        : `Policies:\n${violations.map((v) => `  [${v.level}] ${v.policy}: ${v.resource ?? "stack"}: ${v.message}`).join("\n")}\n`);
    }
  }
  if (violations.some((v) => v.level === "mandatory")) process.exitCode = 2;
}

/** The Mermaid flowchart of a planned stack, to a file or (`-`) to standard output. */
function writeDiagram(target: string, result: RunResult, stack: string): void {
  const text = diagramOf(result, stack);
  if (target === "-") process.stdout.write(text);
  else writeFileSync(target, text);
}

if (require.main === module) {
  // Errors from the program (settings, provisioning limits) end the plan with their message alone.
  process.on("unhandledRejection", (err) => fail(err instanceof Error ? err.message : String(err)));
  main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => fail(err instanceof Error ? err.message : String(err)));
}
