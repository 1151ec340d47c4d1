/**
 * Keeps `Pulumi.yaml`'s `config:` block and the README's config table in step with settings/schema.ts, and
 * the README's top diagram in step with the `prod` stack's plan (tools/diagram.ts).
 * `npm run docs` rewrites them; `npm run docs -- --check` (run by the tests) fails when any drifted.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { ARG_GROUPS, CONTEXT_KEYS, KEYS, type Applicability, type KeyDecl } from "../settings";
import { diagramOf } from "./diagram";

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
export function appliesToCell(applies: KeyDecl["appliesTo"], needs?: KeyDecl["needs"]): string {
  const place = (a: Applicability) => CONTEXT_KEYS.filter((d) => a[d] !== undefined).map((d) => `${d} ${(a[d] as readonly string[]).join(" or ")}`);
  const parts = Array.isArray(applies)
    ? [(applies as readonly Applicability[]).map((a) => place(a).join(", ")).join("; or ")]
    : applies ? place(applies as Applicability) : [];
  if (needs) parts.push({ domain: "with a domain", bucket: "with the bucket", alerts: "with alert recipients", heartbeat: "with heartbeatUrl" }[needs]);
  return parts.length > 0 ? parts.join("; ") : "all";
}

export function readmeTable(): string {
  const rows = KEYS.map((k) => `| \`fullstack:${k.key}\` | \`${k.arg}\` | ${typeCell(k)} | ${defaultCell(k)} | ${appliesToCell(k.appliesTo, k.needs)} | ${k.description.replace(/\|/g, "\\|")} |`);
  return [START, "| Key | FullStackApp arg | Type | Default | Applies to | What it does |", "|---|---|---|---|---|---|", ...rows, END].join("\n");
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

/** The checked-in stack the README's top diagram draws: the scaled DigitalOcean profile, every box of the talk. */
const COSTS_START = "<!-- profile-costs:start -->";
const COSTS_END = "<!-- profile-costs:end -->";

/** `current` with the text between two marker comments replaced by `body` (generated; the markers stay). */
export function renderBetween(current: string, start: string, end: string, body: string): string {
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} / ${end} markers`);
  return `${current.slice(0, from + start.length)}\n${body.trimEnd()}\n${current.slice(to)}`;
}

export const DIAGRAM_STACK = "prod";
const DIAGRAM_START = "<!-- diagram:start -->";
const DIAGRAM_END = "<!-- diagram:end -->";

/** The README with the Mermaid block between the diagram markers replaced by `diagram` (diagramOf's text). */
export function renderReadmeDiagram(current: string, diagram: string): string {
  const start = current.indexOf(DIAGRAM_START);
  const end = current.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${DIAGRAM_START} / ${DIAGRAM_END} markers`);
  const block = [
    DIAGRAM_START,
    `<!-- Generated by \`npm run docs\` from the ${DIAGRAM_STACK} stack's plan (tools/diagram.ts); edit the code, not this block. -->`,
    "```mermaid",
    diagram.trimEnd(),
    "```",
    DIAGRAM_END,
  ].join("\n");
  return current.slice(0, start) + block + current.slice(end + DIAGRAM_END.length);
}

/** The diagram the README shows: the checked-in `prod` stack planned offline, as `npm run plan -- --diagram` draws it. */
export async function readmeDiagram(): Promise<string> {
  // Loaded here, not at the top: the tests that import this file for the config table need no stack program.
  const { planAt } = await import("./planDiff");
  return diagramOf(await planAt(ROOT, DIAGRAM_STACK), DIAGRAM_STACK);
}

/** Where the generated args type lives. */
export const ARGS_FILE = "components/fullStackAppArgs.ts";

/** A key's type in the args: literal unions for fixed values, pulumi.Input<string> for secrets. */
function argType(k: KeyDecl): string {
  if (k.key === "appEnv") return "Record<string, pulumi.Input<string>>";
  if (k.values) return k.values.map((v) => JSON.stringify(v)).join(" | ");
  switch (k.type) {
    case "integer": return "number";
    case "boolean": return "boolean";
    case "array": return "string[]";
    default: return k.secret ? "pulumi.Input<string>" : "string";
  }
}

/** A JSDoc block at `indent`, wrapped at 110 columns. */
function jsdoc(indent: string, paragraphs: string[]): string[] {
  const out = [`${indent}/**`];
  for (const [i, paragraph] of paragraphs.entries()) {
    if (i > 0 && !paragraph.startsWith("@")) out.push(`${indent} *`);
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line && `${indent} * ${line} ${word}`.length > 110) {
        out.push(`${indent} * ${line}`);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(`${indent} * ${line}`);
  }
  out.push(`${indent} */`);
  return out;
}

/** The @default line: the static default as JSON, the rule that works it out, or "unset". */
function argDefault(k: KeyDecl): string | undefined {
  if (k.default !== undefined) return `@default ${JSON.stringify(k.default)}`;
  if (k.derived) return `@default ${k.derived}`;
  return k.optional ? "@default unset (off)" : undefined;
}

function required(k: KeyDecl): boolean {
  return k.default === undefined && !k.derived && !k.optional;
}

/**
 * components/fullStackAppArgs.ts: FullStackApp's nested args, generated from settings/schema.ts (each key's
 * `arg` path, type, description and default; the groups' ARG_GROUPS), so the type, its docs, Pulumi.yaml
 * and the README's key table never disagree.
 */
export function renderArgsFile(): string {
  const children = new Map<string, string[]>(); // path of an object -> its direct fields (keys or groups)
  const add = (parent: string, field: string) => {
    const list = children.get(parent) ?? [];
    if (!list.includes(field)) list.push(field);
    children.set(parent, list);
  };
  for (const k of KEYS) {
    const parts = k.arg.split(".");
    for (let i = 0; i < parts.length; i++) add(parts.slice(0, i).join("."), parts.slice(0, i + 1).join("."));
  }
  const byPath = new Map(KEYS.map((k) => [k.arg, k]));
  const parentOf = (path: string) => path.split(".").slice(0, -1).join(".");
  const isRequired = (path: string): boolean => byPath.has(path)
    ? required(byPath.get(path)!) || (ARG_GROUPS[parentOf(path)]?.required ?? []).includes(path.split(".").pop()!)
    : (children.get(path) ?? []).some((p) => byPath.has(p) ? required(byPath.get(p)!) : isRequired(p));
  const typeName = (path: string) => (path === "" ? "FullStackAppArgs" : ARG_GROUPS[path]?.type);
  const lines: string[] = [
    "// Generated by `npm run docs` from settings/schema.ts: edit the schema, not this file.",
    "/**",
    " * FullStackApp's args: one field per stack config key, nested by what it configures. Unset fields get the",
    " * same defaults as unset config keys, and the same checks refuse the same mistakes (naming the field).",
    " */",
    'import type * as pulumi from "@pulumi/pulumi";',
    'import type { ChildTransforms } from "./transform";',
  ];
  for (const parent of children.keys()) {
    const name = typeName(parent);
    if (!name) throw new Error(`settings/schema.ts: ARG_GROUPS has no entry for ${parent}`);
    lines.push("");
    lines.push(...jsdoc("", [parent === "" ? "What FullStackApp makes, and how: see each field. Only `app.repo` is required." : ARG_GROUPS[parent].description]));
    lines.push(`export interface ${name} {`);
    for (const path of children.get(parent)!) {
      const field = path.split(".").pop()!;
      const opt = isRequired(path) ? "" : "?";
      const k = byPath.get(path);
      if (k) {
        const docs = [k.description, `Stack config: \`fullstack:${k.key}\`.`];
        const dflt = argDefault(k);
        if (dflt && !isRequired(path)) docs.push(dflt);
        lines.push(...jsdoc("  ", docs), `  ${field}${opt}: ${argType(k)};`);
      } else {
        const group = ARG_GROUPS[path];
        if (!group) throw new Error(`settings/schema.ts: ARG_GROUPS has no entry for ${path}`);
        const dflt = isRequired(path) ? [] : [ARG_GROUPS[path].required ? "@default unset" : "@default every field's default"];
        lines.push(...jsdoc("  ", [group.description, ...dflt]), `  ${field}${opt}: ${group.type};`);
      }
    }
    if (parent === "") {
      lines.push(...jsdoc("  ", [
        "Adjusts any resource the app's components make, with the provider's own argument types (see `ChildTransforms`).",
        "@default no transforms",
      ]), "  transform?: ChildTransforms;");
    }
    lines.push("}");
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const diagram = await readmeDiagram();
  const { profileCostTable } = await import("./profileCosts");
  const costs = await profileCostTable(ROOT);
  let stale = false;
  const files = [
    ["Pulumi.yaml", renderPulumiYaml, "settings/schema.ts"],
    ["README.md", (c: string) => renderReadme(c), "settings/schema.ts"],
    ["README.md", (c: string) => renderReadmeDiagram(c, diagram), `the ${DIAGRAM_STACK} stack's plan (its diagram)`],
    ["README.md", (c: string) => renderBetween(c, COSTS_START, COSTS_END, costs), "tools/prices.ts and the checked-in stacks (the profiles' costs)"],
    [ARGS_FILE, () => renderArgsFile(), "settings/schema.ts"],
  ] as const;
  for (const [file, render, source] of files) {
    const path = resolve(ROOT, file);
    const current = existsSync(path) ? readFileSync(path, "utf8") : "";
    const next = render(current);
    if (next !== current) {
      stale = true;
      if (check) process.stderr.write(`${file} is out of date with ${source}; run npm run docs\n`);
      else writeFileSync(path, next);
    }
  }
  if (check && stale) process.exit(1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
