/**
 * Keeps `Pulumi.yaml`'s `config:` block and the README's config table in step with settings/schema.ts.
 * `npm run docs` rewrites both; `npm run docs -- --check` (run by the tests) fails when either drifted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { CONTEXT_KEYS, KEYS, type Applicability, type KeyDecl } from "../settings";

const ROOT = resolve(__dirname, "..");
const START = "<!-- config-keys:start -->";
const END = "<!-- config-keys:end -->";

/**
 * Whether `Pulumi.yaml` declares the key. The CLI hands a declared default to the program as if the stack
 * had set it, and refuses a stack that leaves a declared key without a default unset (pulumi/pulumi
 * `sdk/go/common/workspace/config.go`, `mergeConfig`). So a key is declared when it has a static default
 * or is required; a key whose default depends on other keys, or that is off when unset, stays undeclared
 * (the program still reads it, and the settings validate it).
 */
export function declaredInProject(k: KeyDecl): boolean {
  return k.default !== undefined || (!k.derived && !k.optional);
}

export function pulumiYamlConfig(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(KEYS.filter(declaredInProject).map((k) => [k.key, {
    type: k.type,
    ...(k.type === "array" ? { items: { type: "string" } } : {}),
    description: k.description,
    ...(k.default !== undefined ? { default: k.default } : {}),
    ...(k.secret ? { secret: true } : {}),
  }]));
}

/** The comment above `config:` that names the keys left undeclared, so readers of Pulumi.yaml find them. */
export function undeclaredComment(): string {
  const names = KEYS.filter((k) => !declaredInProject(k)).map((k) => k.key);
  const lines: string[] = [];
  let line = "";
  for (const name of names) {
    const next = line ? `${line}, ${name}` : name;
    if (next.length > 96) {
      lines.push(`${line},`);
      line = name;
    } else line = next;
  }
  if (line) lines.push(`${line}.`);
  return [
    " Keys with a fixed default, and the required appRepo. The Pulumi CLI hands each default to the program",
    " as if the stack set it, and refuses a stack that leaves a declared key without a default unset, so",
    " the keys whose default depends on others (or that are off when unset) are not declared here; the",
    " program reads and validates them all the same (README.md, Config keys):",
    ...lines.map((l) => `   ${l}`),
  ].join("\n");
}

function defaultCell(k: KeyDecl): string {
  if (k.default !== undefined) return `\`${JSON.stringify(k.default)}\``;
  if (k.derived) return k.derived;
  return k.optional ? "unset" : "required";
}

function typeCell(k: KeyDecl): string {
  const range = k.min !== undefined && k.max !== undefined ? `, ${k.min} to ${k.max}` : "";
  return `${k.type}${range}${k.secret ? " (secret)" : ""}`;
}

/** Where the key has an effect (settings/schema.ts `appliesTo`); set anywhere else, the settings refuse it. */
export function appliesToCell(applies: Applicability | undefined, needs?: KeyDecl["needs"]): string {
  const parts = CONTEXT_KEYS.filter((d) => applies?.[d] !== undefined)
    .map((d) => `${d} ${(applies![d] as readonly string[]).join(" or ")}`);
  if (needs) parts.push(needs === "domain" ? "with a domain" : "with the bucket");
  return parts.length > 0 ? parts.join("; ") : "all";
}

export function readmeTable(): string {
  const rows = KEYS.map((k) => `| \`fullstack:${k.key}\` | ${typeCell(k)} | ${defaultCell(k)} | ${appliesToCell(k.appliesTo, k.needs)} | ${k.description.replace(/\|/g, "\\|")} |`);
  return [START, "| Key | Type | Default | Applies to | What it does |", "|---|---|---|---|---|", ...rows, END].join("\n");
}

export function renderPulumiYaml(current: string): string {
  const doc = parseDocument(current);
  doc.set("config", doc.createNode(pulumiYamlConfig()));
  const pair = (doc.contents as { items: { key: { commentBefore?: string; value?: unknown } }[] }).items.find((p) => p.key.value === "config");
  if (pair) pair.key.commentBefore = undeclaredComment();
  return doc.toString({ lineWidth: 0 });
}

export function renderReadme(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`README.md lacks the ${START} / ${END} markers`);
  return current.slice(0, start) + readmeTable() + current.slice(end + END.length);
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = false;
  for (const [file, render] of [["Pulumi.yaml", renderPulumiYaml], ["README.md", renderReadme]] as const) {
    const path = resolve(ROOT, file);
    const current = readFileSync(path, "utf8");
    const next = render(current);
    if (next !== current) {
      stale = true;
      if (check) process.stderr.write(`${file} is out of date with settings/schema.ts; run npm run docs\n`);
      else writeFileSync(path, next);
    }
  }
  if (check && stale) process.exit(1);
}

if (require.main === module) main();
