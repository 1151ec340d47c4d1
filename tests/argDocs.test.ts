/**
 * Every field a component takes is written for a reader: it has a JSDoc description, and an optional
 * field says what leaving it out means (`@default`). The walk follows each exported `*Args` type of the
 * library (components/index.ts) into the object types it is built from, wherever the library declares
 * them (components/, settings/types.ts, clouds/types.ts, provisioning/types.ts); provider and SDK types
 * are theirs to document.
 */
import { join, relative, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "..");
const OURS = /^(components|settings|clouds|provisioning)\//;

function program(): ts.Program {
  return ts.createProgram([join(ROOT, "components", "index.ts")], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true, skipLibCheck: true, noEmit: true,
  });
}

interface Field { path: string; optional: boolean; documented: boolean; hasDefault: boolean }

function fieldsOf(prog: ts.Program): Field[] {
  const checker = prog.getTypeChecker();
  const index = prog.getSourceFile(join(ROOT, "components", "index.ts"))!;
  const fields: Field[] = [];
  const seen = new Set<ts.Type>();
  const ours = (sym: ts.Symbol) => (sym.declarations ?? []).some((d) => OURS.test(relative(ROOT, d.getSourceFile().fileName)));

  const walk = (t: ts.Type, path: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t.isUnion() || t.isIntersection()) return t.types.forEach((m) => walk(m, path));
    if (checker.isArrayType(t)) return walk(checker.getTypeArguments(t as ts.TypeReference)[0], `${path}[]`);
    const symbol = t.aliasSymbol ?? t.getSymbol();
    // Pulumi's Input/Output wrappers: what they wrap.
    if (symbol && ["Output", "OutputInstance", "Promise"].includes(symbol.name)) {
      const inner = t.aliasTypeArguments?.[0] ?? checker.getTypeArguments(t as ts.TypeReference)[0];
      if (inner) walk(inner, path);
      return;
    }
    if (!(t.flags & ts.TypeFlags.Object) || t.getCallSignatures().length > 0) return;
    // A component passed in (a Network) or an adapter's handle: made by the library, not written by a caller.
    if ((symbol && symbol.flags & ts.SymbolFlags.Class) || /Handle$/.test(symbol?.name ?? "")) return;
    for (const p of checker.getPropertiesOfType(t)) {
      if (!ours(p)) continue;
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      if (!decl || !(ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl))) continue;
      // Functions on handles are not args a caller writes.
      if (checker.getTypeOfSymbol(p).getCallSignatures().length > 0 && p.name !== "transform") continue;
      const docs = ts.displayPartsToString(p.getDocumentationComment(checker)).trim();
      const tags = p.getJsDocTags(checker);
      fields.push({
        path: `${path}.${p.name}`,
        optional: (p.flags & ts.SymbolFlags.Optional) !== 0,
        documented: docs.length > 0,
        hasDefault: tags.some((tag) => tag.name === "default"),
      });
      walk(checker.getTypeOfSymbol(p), `${path}.${p.name}`);
    }
  };

  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    if (!sym.name.endsWith("Args")) continue;
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    walk(checker.getDeclaredTypeOfSymbol(target), sym.name);
  }
  return fields;
}

describe("component args are documented for a reader", () => {
  const fields = fieldsOf(program());

  it("reaches every component's args and the types inside them", () => {
    const roots = new Set(fields.map((f) => f.path.split(".")[0]));
    expect([...roots].sort()).toEqual([
      "AlertsArgs", "CdnBucketArgs", "FullStackAppArgs", "LinuxServerArgs", "LinuxServerGroupArgs", "NetworkArgs", "PostgresDbArgs", "RedisCacheArgs",
      "ServerLogsArgs", "WebTierArgs", "WorkerQueueArgs",
    ]);
    // Into nested types (each type once, under the first path that reaches it): FullStackApp's groups,
    // the settings the tiers take, LinuxServer's specs, a firewall rule's source.
    const paths = fields.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["FullStackAppArgs.app.repo", "FullStackAppArgs.web.gunicorn.workers"]));
    for (const tail of [".access.adminCidrs", ".app.repo", ".worker.taskTimeLimit", ".ingress[].source.cidrs", ".redis.maxMemoryMb"]) {
      expect(`${tail}: ${paths.some((p) => p.endsWith(tail) && !p.startsWith("FullStackAppArgs"))}`).toBe(`${tail}: true`);
    }
  });

  it("describes every field", () => {
    expect(fields.filter((f) => !f.documented).map((f) => f.path)).toEqual([]);
  });

  it("says what leaving out each optional field means (@default)", () => {
    expect(fields.filter((f) => f.optional && !f.hasDefault).map((f) => f.path)).toEqual([]);
  });
});
