/**
 * `npm run plan -- --stack S --diff <git-ref> [--json] [--fail-on-danger]`: plans the stack as it is at
 * `<git-ref>` and as it is in the working tree, both offline under the mock runtime, and prints what
 * `pulumi up` would do going from one to the other (harness/planDiff.ts): dangers first (a stateful or
 * protected resource replaced or deleted), then every change with the inputs that changed and those that
 * replace it. Secrets are compared, never printed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffPlans, isDanger, providerChanges, type PlannedChange, type ProviderChange } from "../harness/planDiff";
import { runStack, type RunResult } from "../harness/mockRuntime";
import { costChange, costOf, formatCostChange, type CostChange } from "./cost";
import { readStackConfig } from "./stackConfig";

/** The stack planned from the project at `root` (its program and its stack file), offline. */
export async function planAt(root: string, stack: string, configDir?: string): Promise<RunResult> {
  const cfg = readStackConfig(root, stack, configDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { program } = require(join(root, "stacks", "program")) as { program: () => Record<string, unknown> };
  return runStack({ project: cfg.project, stack: cfg.stack, config: cfg.config, secretKeys: cfg.secretKeys, program });
}

/** The project at `ref` in a temporary work tree (sharing this one's node_modules), for `use`; removed after. */
export async function atRevision<T>(root: string, ref: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "fullstack-plan-diff-"));
  const tree = join(dir, "tree");
  try {
    execFileSync("git", ["-C", root, "worktree", "add", "--detach", "--quiet", tree, ref], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot check out ${ref}: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
  try {
    if (!existsSync(join(tree, "node_modules"))) symlinkSync(join(root, "node_modules"), join(tree, "node_modules"), "dir");
    return await use(tree);
  } finally {
    execFileSync("git", ["-C", root, "worktree", "remove", "--force", tree], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DiffReport {
  stack: string;
  ref: string;
  /** Default providers' settings that change (a new aws:region). */
  providers: ProviderChange[];
  dangers: PlannedChange[];
  changes: PlannedChange[];
  /** What each change that touches a server means for the site: `{ name, downtime }`. */
  downtime: { name: string; downtime: string }[];
  /** The monthly cost before and after, from the price catalog (tools/cost.ts). */
  cost: CostChange;
}

const WEB_TIER = "fullstack:web:WebTier";
const WORKER_QUEUE = "fullstack:queue:WorkerQueue";
const SERVERS = new Set(["digitalocean:index/droplet:Droplet", "aws:ec2/instance:Instance"]);
const LOAD_BALANCERS = new Set(["digitalocean:index/loadBalancer:LoadBalancer", "aws:lb/loadBalancer:LoadBalancer"]);
/** Inputs whose in-place change stops the server: DigitalOcean powers a droplet off to resize it (terraform-provider-digitalocean resource_droplet.go: PowerOff, Resize, PowerOn); EC2 stops an instance to change its type. */
const STOPS_SERVER: Readonly<Record<string, string>> = { "digitalocean:index/droplet:Droplet": "size", "aws:ec2/instance:Instance": "instanceType" };

/** The single box's measured first boot, from bench/RESULTS.md (the VM test's first `/healthz`), in seconds. */
export function measuredBootSeconds(root: string): number | undefined {
  const file = join(root, "bench", "RESULTS.md");
  if (!existsSync(file)) return undefined;
  const m = /^\| First `\/healthz` 200 [^|]*\| ([0-9.]+) \|$/m.exec(readFileSync(file, "utf8"));
  return m ? Number(m[1]) : undefined;
}

/**
 * What the VM test's first boot in bench/RESULTS.md booted from: a baked image (its "Server" line says
 * `image: baked`) or the stock one (the line says so, or predates the note).
 */
export function measuredBootImage(root: string): "stock" | "baked" {
  const file = join(root, "bench", "RESULTS.md");
  if (!existsSync(file)) return "stock";
  return /^- Server: .*; image: baked/m.test(readFileSync(file, "utf8")) ? "baked" : "stock";
}

/**
 * What a change does to the site while it runs, for the changes that touch servers and releases.
 * `bootSeconds`: the VM test's first boot, of a server booting `bootImage` (a baked image's first boot
 * skips the packages, so it stands for baked servers only, and a stock image's for stock ones).
 */
export function downtimeOf(changes: readonly PlannedChange[], after: RunResult, bootSeconds: number | undefined, bootImage: "stock" | "baked" = "stock"): DiffReport["downtime"] {
  const balanced = after.resources.some((r) => LOAD_BALANCERS.has(r.type));
  // A DigitalOcean droplet boots a baked image when its image is a snapshot's ID (digits), not a slug.
  const imageOf = (urn: string) => (/^\d+$/.test(String(byUrn.get(urn)?.plainInputs.image ?? "")) ? "baked" : "stock");
  const boot = (urn: string) => {
    if (bootSeconds === undefined) return "its first boot";
    const kind = imageOf(urn);
    return kind === bootImage ? `about ${Math.round(bootSeconds)} s, its first boot as measured in bench/RESULTS.md`
      : `its first boot (bench/RESULTS.md measured a ${bootImage} image's, ${Math.round(bootSeconds)} s; this server boots a ${kind} image${kind === "stock" ? ", which installs its packages first" : ""})`;
  };
  // A server's part comes from the component that made it: the WebTier's serve the site, the WorkerQueue's
  // work the queue (a single box is the WebTier's, and runs the worker too).
  const byUrn = new Map(after.resources.map((r) => [r.urn, r]));
  const madeBy = (urn: string): string | undefined => {
    for (let p = byUrn.get(urn)?.parent; p; p = byUrn.get(p)?.parent) {
      const t = byUrn.get(p)?.type;
      if (t === WEB_TIER || t === WORKER_QUEUE) return t;
    }
    return undefined;
  };
  const out: DiffReport["downtime"] = [];
  for (const c of changes) {
    if (SERVERS.has(c.type) && c.action === "replace") {
      const downtime = madeBy(c.urn) === WORKER_QUEUE
        ? "none for the site: a worker; the new one starts before the old one stops, and the old one finishes its running tasks first"
        : balanced ? "none: behind the load balancer, each new server answers /healthz before the old one leaves" : `down for ${boot(c.urn)}`;
      out.push({ name: c.name, downtime });
    } else if (SERVERS.has(c.type) && c.action === "update" && c.changed.includes(STOPS_SERVER[c.type])) {
      out.push({ name: c.name, downtime: "down while it is stopped and resized (minutes); servers resized in the same update are down together" });
    } else if (c.type.startsWith("command:") && c.action === "update") {
      out.push({ name: c.name, downtime: "none: a release in place (the new release answers its health check before it takes traffic)" });
    }
  }
  return out;
}

export async function diffAgainst(root: string, stack: string, ref: string, configDir?: string): Promise<DiffReport> {
  return (await diffWithPlans(root, stack, ref, configDir)).report;
}

/** The diff report, with the two plans it compares (for the cost and the diagram). */
export async function diffWithPlans(root: string, stack: string, ref: string, configDir?: string): Promise<{ report: DiffReport; before: RunResult; after: RunResult }> {
  const before = await atRevision(root, ref, (tree) => planAt(tree, stack));
  const after = await planAt(root, stack, configDir);
  const changes = diffPlans(before, after);
  const report: DiffReport = {
    stack, ref, providers: providerChanges(before, after), dangers: changes.filter(isDanger), changes, downtime: downtimeOf(changes, after, measuredBootSeconds(root), measuredBootImage(root)),
    cost: costChange(costOf(before), costOf(after)),
  };
  return { report, before, after };
}

const SIGN: Record<PlannedChange["action"], string> = { create: "+", update: "~", replace: "+-", delete: "-" };

export function formatReport(r: DiffReport): string {
  const short = (t: string) => t.split(":").pop()!;
  const line = (c: PlannedChange) => {
    const why = c.action === "replace" ? ` (replaced by a change of ${c.replacingBy.join(", ")})`
      : c.action === "update" && c.ruleUnknown ? " (no replacement rule known for this type: may be a replacement)" : "";
    const what = c.changed.length > 0 ? `: ${c.changed.join(", ")}` : "";
    return `${SIGN[c.action]} ${c.action.padEnd(7)} ${short(c.type)} ${c.name}${what}${why}`;
  };
  const out = [`Plan diff for stack ${r.stack}: ${r.ref} -> working tree`];
  for (const p of r.providers) out.push("", `${p.danger ? "DANGER: " : ""}${p.key} ${p.before ?? "(unset)"} -> ${p.after ?? "(unset)"}: ${p.effect}.`);
  if (r.dangers.length > 0) {
    out.push("", "DANGER: data would be lost, or `pulumi up` would refuse (protected):");
    for (const c of r.dangers) out.push(`  ${line(c)}${c.stateful ? ` [${c.stateful}]` : ""}${c.protect ? " [protected]" : ""}`);
  }
  out.push("");
  if (r.changes.length === 0) out.push("No changes.");
  for (const c of r.changes) out.push(line(c));
  if (r.downtime.length > 0) {
    out.push("", "Downtime:");
    for (const d of r.downtime) out.push(`  ${d.name}: ${d.downtime}`);
  }
  const count = (a: PlannedChange["action"]) => r.changes.filter((c) => c.action === a).length;
  out.push("", formatCostChange(r.cost).trimEnd());
  out.push("", `${count("create")} to create, ${count("update")} to update in place, ${count("replace")} to replace, ${count("delete")} to delete; ${r.dangers.length} dangerous.`);
  return `${out.join("\n")}\n`;
}

export function reportJson(r: DiffReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
