/**
 * Every code example a user reads compiles: the README's ```ts blocks and each `@example` in the
 * library's JSDoc, type-checked by the TypeScript compiler against the library's own source (the package
 * name `fullstack-pulumi` resolves to components/index.ts, as the published types do to its build) and the
 * installed @pulumi packages. An example that names no import gets the library's exports (the way the
 * JSDoc examples are written: the class is the one they document); errors point at the README's or the
 * source file's own line. Then each example runs as a Pulumi program under the mocks (transpiled, with
 * `fullstack-pulumi` resolving to the library): the values in it must be ones the library accepts, and
 * what it exports must resolve.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import * as ts from "typescript";
import { runStack } from "../harness/mockRuntime";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require("../components") as Record<string, unknown>;
const ROOT = resolve(__dirname, "..");
/** Where JSDoc examples live: the library's public layers. */
const SOURCE_DIRS = ["components", "settings", "clouds", "provisioning"];

interface Example {
  /** file:line of the example's first code line, for messages. */
  where: string;
  file: string;
  line: number;
  code: string;
}

/** ```ts blocks of a Markdown file. */
function markdownExamples(path: string): Example[] {
  const text = readFileSync(path, "utf8");
  const out: Example[] = [];
  for (const m of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)) {
    const line = text.slice(0, m.index).split("\n").length + 1;
    out.push({ where: `${relative(ROOT, path)}:${line}`, file: path, line, code: m[1] });
  }
  return out;
}

/** The ```ts block after each `@example` tag of a source file's JSDoc comments. */
function jsdocExamples(path: string): Example[] {
  const text = readFileSync(path, "utf8");
  const out: Example[] = [];
  for (const m of text.matchAll(/^[ \t]*\* @example\n[ \t]*\* ```ts\n((?:[ \t]*\*(?: .*)?\n)*?)[ \t]*\* ```$/gm)) {
    const before = text.slice(0, m.index);
    const line = before.split("\n").length + 2;
    const code = m[1].split("\n").map((l) => l.replace(/^[ \t]*\* ?/, "")).join("\n");
    out.push({ where: `${relative(ROOT, path)}:${line}`, file: path, line, code });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Names the package exports (values and types), for examples that import nothing themselves. */
function packageExports(program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(ROOT, "components", "index.ts"));
  if (!index) throw new Error("components/index.ts is not in the program");
  const symbol = checker.getSymbolAtLocation(index);
  if (!symbol) throw new Error("components/index.ts exports nothing");
  return checker.getExportsOfModule(symbol).map((s) => s.name).filter((n) => n !== "default");
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  baseUrl: ROOT,
  // The examples are written to a temporary directory: the package and the @pulumi packages resolve here.
  paths: { "fullstack-pulumi": ["components/index.ts"], "@pulumi/*": ["node_modules/@pulumi/*"] },
};

const examples = [
  ...markdownExamples(join(ROOT, "README.md")),
  ...SOURCE_DIRS.flatMap(sourceFiles).flatMap(jsdocExamples),
];

describe("documentation examples compile against the library", () => {
  const dir = mkdtempSync(join(tmpdir(), "fullstack-examples-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the README's examples and one on every component class", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    // Every ```ts fence is one example, closed by a fence line of its own (an unclosed one would swallow prose).
    expect(examples.filter((e) => e.file.endsWith("README.md")).length).toBe((readme.match(/^```(ts|typescript)$/gm) ?? []).length);
    expect((readme.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(readme).not.toMatch(/\S```|```[ \t]+\S/);
    expect(examples.filter((e) => e.file.endsWith("README.md")).length).toBeGreaterThanOrEqual(4);
    const components = sourceFiles("components").filter((f) => /export class \w+ extends pulumi\.ComponentResource/.test(readFileSync(f, "utf8")));
    const withExample = new Set(examples.map((e) => e.file));
    expect(components.filter((f) => !withExample.has(f)).map((f) => relative(ROOT, f))).toEqual([]);
  });

  it("every example type-checks (strict), as a user's program importing fullstack-pulumi", () => {
    // Which names to offer examples that import nothing: what the package exports.
    const exportsProgram = ts.createProgram([join(ROOT, "components", "index.ts")], OPTIONS);
    const names = packageExports(exportsProgram);
    expect(names).toEqual(expect.arrayContaining(["FullStackApp", "WebTier", "Network"]));

    const files = examples.map((ex, i) => {
      const imports = /^\s*import\s/m.test(ex.code);
      // Examples without imports use the library's names; `export {}` keeps each file a module of its own.
      const prelude = imports ? "" : `import { ${names.join(", ")} } from "fullstack-pulumi";\n`;
      const path = join(dir, `example-${i}.ts`);
      writeFileSync(path, `${prelude}${ex.code}\nexport {};\n`);
      return { path, ex, preludeLines: prelude ? prelude.split("\n").length - 1 : 0 };
    });
    const program = ts.createProgram(files.map((f) => f.path), OPTIONS);
    const problems: string[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      const f = d.file && files.find((x) => x.path === d.file!.fileName);
      if (!f || d.start === undefined) {
        problems.push(`${d.file ? relative(ROOT, d.file.fileName) : "(program)"}: TS${d.code} ${message}`);
        continue;
      }
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      problems.push(`${relative(ROOT, f.ex.file)}:${f.ex.line + line - f.preludeLines}: TS${d.code} ${message}`);
    }
    expect(problems).toEqual([]);
  });

  it.each(examples.map((ex) => [ex.where, ex] as const))("%s runs under Pulumi's mocks, and its exports resolve", async (_where, ex) => {
    const imports = /^\s*import\s/m.test(ex.code);
    const source = `${imports ? "" : 'import * as __lib from "fullstack-pulumi";\nconst { ' + Object.keys(lib).join(", ") + " } = __lib;\n"}${ex.code}`;
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    // The example's own imports: the library, and packages as this repo has them (one @pulumi/pulumi, the mocks').
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (name: string): unknown => (name === "fullstack-pulumi" ? lib : require(name));
    const result = await runStack({
      stack: "example",
      // What an AWS program's stack has (the AWS provider's region), and the secrets examples read from
      // their own project's config (`new pulumi.Config()` is the "fullstack" project under the mocks).
      config: {
        "aws:region": "eu-central-1",
        "fullstack:deployKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n",
        "fullstack:sentryDsn": "https://abc@o1.ingest.sentry.io/2",
      },
      secretKeys: ["fullstack:deployKey", "fullstack:sentryDsn"],
      program: async () => {
        const module = { exports: {} as Record<string, unknown> };
        new Function("require", "exports", "module", js)(load, module.exports, module);
        return module.exports;
      },
    });
    expect(result.resources.filter((r) => r.custom).length).toBeGreaterThan(0);
    for (const [key, out] of Object.entries(result.outputs)) expect(`${key}: ${out.value === undefined ? "unresolved" : "resolved"}`).toBe(`${key}: resolved`);
  });
});
