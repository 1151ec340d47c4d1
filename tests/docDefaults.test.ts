/**
 * A component arg whose default comes from the settings schema (`args.x ?? defaultOf("key")`) documents
 * that same value in its JSDoc `@default`: the schema is the one home of the default, the JSDoc a reader's
 * copy of it, and this keeps the copy true when the schema changes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultOf } from "../settings";

const COMPONENTS = resolve(__dirname, "..", "components");

interface Pair { where: string; field: string; key: string; documented?: string }

function pairs(): Pair[] {
  const out: Pair[] = [];
  for (const file of readdirSync(COMPONENTS).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(COMPONENTS, file), "utf8");
    for (const m of text.matchAll(/args\.(\w+) \?\? defaultOf\("(\w+)"\)/g)) {
      // The field's declaration in the args interface, and the JSDoc block right above it.
      const decl = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\n\\s*${m[1]}\\?:`).exec(text);
      const documented = decl ? (/@default (.+)/.exec(decl[1]) ?? [])[1]?.trim() : undefined;
      out.push({ where: `components/${file}`, field: m[1], key: m[2], documented });
    }
  }
  return out;
}

describe("JSDoc @default of args whose default is the schema's", () => {
  const found = pairs();

  it("finds the args that take their default from the schema", () => {
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  it.each(found.map((p) => [`${p.where} ${p.field} (${p.key})`, p] as const))("%s documents the schema's default", (_name, p) => {
    expect(p.documented).toBeDefined();
    // The value first, as JSON would write it; words may follow (e.g. "on DigitalOcean").
    expect(p.documented!.startsWith(JSON.stringify(defaultOf(p.key as never)))).toBe(true);
  });
});
