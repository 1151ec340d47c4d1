/**
 * Can each component's args be described by a Pulumi package schema (the step before Python programs can
 * use the components as a component package)? A schema input is a primitive, an enum (a union of string
 * or number literals), an array, a map of strings to inputs, an object of named inputs, or a reference to
 * a resource the package defines; any of them may be an Output (pulumi.Input<T>). Functions and unions of
 * other types have no schema form (pulumi/pulumi pkg/codegen/schema: TypeSpec has `type`, `items`,
 * `additionalProperties`, `$ref` and `oneOf`, and `oneOf` of objects does not round-trip into every
 * language). `transform` is a function by design (a TypeScript-only escape hatch).
 *
 * The checker walks every args type with the TypeScript compiler and lists the places no schema type can
 * describe. There are none: sources of ingress are one object with a `kind`, the adapters' handles passed
 * between components are data (IDs and addresses), and `releaseAfter` names servers (resources of this
 * package). The checker itself is tested on a fixture full of gaps, so an empty list means something. The
 * README ("From Python") says what a Python program needs meanwhile.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "..");

function program(entry: string): ts.Program {
  return ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true, skipLibCheck: true, noEmit: true,
    // A fixture outside the repository finds the SDK's types here.
    paths: { "@pulumi/pulumi": [join(ROOT, "node_modules", "@pulumi", "pulumi")] },
  });
}

/** The places in the exported `*Args` types of `entry` no schema type describes, and every path the walk reached. */
function gapsOf(entry: string): { gaps: string[]; reached: Set<string> } {
  const prog = program(entry);
  const checker = prog.getTypeChecker();
  const index = prog.getSourceFile(entry)!;
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!);
  const gaps = new Set<string>();
  const reached = new Set<string>();
  const isNamed = (t: ts.Type, ...names: string[]) => names.includes(t.aliasSymbol?.name ?? t.getSymbol()?.name ?? "");
  const isResource = (t: ts.Type): boolean => {
    if (!t.isClass() && !((t.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class)) return false;
    for (let base: ts.Type | undefined = t; base; base = checker.getBaseTypes(base as ts.InterfaceType)[0]) {
      if (isNamed(base, "ComponentResource", "CustomResource")) return true;
      if (!(base.flags & ts.TypeFlags.Object) || !((base as ts.ObjectType).objectFlags & ts.ObjectFlags.ClassOrInterface)) break;
    }
    return false;
  };

  const walk = (t: ts.Type, path: string, depth: number): void => {
    if (depth > 8) return;
    reached.add(path);
    if (t.flags & (ts.TypeFlags.String | ts.TypeFlags.Number | ts.TypeFlags.Boolean | ts.TypeFlags.StringLiteral |
      ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral | ts.TypeFlags.Undefined | ts.TypeFlags.Null)) return;
    if (t.isUnion()) {
      // pulumi.Input<T> is T | Promise<T> | OutputInstance<T>: the Output forms are schema inputs of T.
      const rest = t.types.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) && !isNamed(m, "Promise", "OutputInstance", "Output"));
      if (rest.every((m) => m.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral | ts.TypeFlags.Boolean))) return;
      if (rest.length === 1) return walk(rest[0], path, depth + 1);
      gaps.add(path);
      return;
    }
    // An Output<T> (an intersection in the SDK's types) is a schema input of T.
    if (isNamed(t, "Output", "OutputInstance", "Promise")) {
      const inner = t.aliasTypeArguments?.[0] ?? checker.getTypeArguments(t as ts.TypeReference)[0];
      if (inner) walk(inner, path, depth + 1);
      return;
    }
    if (t.isIntersection()) {
      gaps.add(path);
      return;
    }
    if (checker.isArrayType(t)) return walk(checker.getTypeArguments(t as ts.TypeReference)[0], `${path}[]`, depth + 1);
    if (isResource(t)) return;
    if (t.getCallSignatures().length > 0) {
      gaps.add(path);
      return;
    }
    const stringIndex = checker.getIndexInfoOfType(t, ts.IndexKind.String);
    if (stringIndex) return walk(stringIndex.type, `${path}{}`, depth + 1);
    if (t.flags & ts.TypeFlags.Object) {
      const props = checker.getPropertiesOfType(t);
      // An object with methods is a handle, not data.
      if (props.some((p) => checker.getTypeOfSymbol(p).getCallSignatures().length > 0 && p.name !== "transform")) {
        gaps.add(path);
        return;
      }
      for (const p of props) {
        if (p.name === "transform") continue;
        walk(checker.getTypeOfSymbol(p), `${path}.${p.name}`, depth + 1);
      }
      return;
    }
    gaps.add(path);
  };

  for (const sym of exports) {
    if (!sym.name.endsWith("Args")) continue;
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    walk(checker.getDeclaredTypeOfSymbol(target), sym.name, 0);
  }
  return { gaps: [...gaps].sort(), reached };
}

describe("component args as a Pulumi package schema would describe them", () => {
  const { gaps, reached } = gapsOf(join(ROOT, "components", "index.ts"));

  it("reaches into every component's args, down to the fields that used to be gaps", () => {
    for (const path of [
      "NetworkArgs", "PostgresDbArgs", "RedisCacheArgs", "WebTierArgs", "WorkerQueueArgs", "CdnBucketArgs", "LinuxServerArgs", "LinuxServerGroupArgs", "FullStackAppArgs",
      // An ingress source: one object with a kind enum and a field per kind.
      "LinuxServerArgs.ingress[].source.kind", "LinuxServerArgs.ingress[].source.cidrs[]", "LinuxServerArgs.ingress[].source.role.ref",
      "LinuxServerGroupArgs.ingress[].source.loadBalancer.address",
      // Handles passed between components: data.
      "LinuxServerGroupArgs.loadBalancer.targetGroup", "LinuxServerGroupArgs.loadBalancer.metricDimensions.loadBalancer",
      "WebTierArgs.dnsZone.id", "CdnBucketArgs.customDomain.dnsZone.name",
      // Servers to release after: resources of this package (schema references).
      "LinuxServerArgs.releaseAfter[]",
    ]) expect([path, reached.has(path)]).toEqual([path, true]);
  });

  it("has no place a schema cannot describe (functions, unions of objects, objects with methods), transform aside", () => {
    expect(gaps).toEqual([]);
  });
});

describe("the schema checker, on args full of gaps", () => {
  const dir = mkdtempSync(join(tmpdir(), "schema-shape-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds each kind of gap, and passes what a schema describes", () => {
    const entry = join(dir, "index.ts");
    writeFileSync(entry, [
      'import type * as pulumi from "@pulumi/pulumi";',
      "interface Handle { readonly id: string; refresh(): void }",
      "export interface GappyArgs {",
      '  source: { kind: "a"; a: string } | { kind: "b"; b: number };',
      "  onDone?: () => void;",
      "  handle: Handle;",
      "  mixed: string | number;",
      "  resource: pulumi.Resource & { extra: string };",
      "  fine: { name: pulumi.Input<string>; sizes: number[]; tags: Record<string, string>; level: \"low\" | \"high\" };",
      "  transform?: { server?: (args: object) => void };",
      "}",
    ].join("\n"));
    const { gaps, reached } = gapsOf(entry);
    expect(gaps).toEqual(["GappyArgs.handle", "GappyArgs.mixed", "GappyArgs.onDone", "GappyArgs.resource", "GappyArgs.source"]);
    expect(reached.has("GappyArgs.fine.tags{}")).toBe(true);
  });
});
