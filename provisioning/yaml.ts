/**
 * YAML that every reader parses as we meant it. We write with the `yaml` package (YAML 1.2); cloud-init
 * reads with PyYAML (YAML 1.1), and the two disagree on some characters:
 *
 * - YAML 1.1 breaks lines at NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029)
 *   (YAML 1.1 spec, 5.4 "Line Break Characters"), where YAML 1.2 does not (1.2 spec, 5.4). A raw one
 *   inside a value ends the line for cloud-init and can start a new top-level key.
 * - PyYAML refuses a document with any character outside its printable set (`yaml/reader.py`,
 *   `NON_PRINTABLE`: C0 controls but tab, LF and CR; DEL; C1 controls but NEL; surrogates; U+FFFE, U+FFFF);
 *   cloud-init then drops the whole user data.
 *
 * - PyYAML stops at a tab inside a plain (unquoted) scalar where the `yaml` package writes one ("found
 *   character '\t' that cannot start any token").
 *
 * The `yaml` package leaves all of these raw, even in double quotes. So every string holding one is
 * written double-quoted and the character as a `\uXXXX` escape, which both versions read back as the
 * same character. Lone surrogates cannot be written as UTF-8 at all and are refused.
 */
import { Document, visit } from "yaml";

/** Characters YAML 1.1 and 1.2 read differently, or that PyYAML refuses raw. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class YamlTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlTextError";
  }
}

/** Serialises `value` as YAML that PyYAML (1.1) and the `yaml` package (1.2) read identically. */
export function safeYaml(value: unknown): string {
  // The YAML 1.1 schema quotes every string that 1.1 would read as something else (yes, on, 1:2, 0777, 2001-12-14).
  const doc = new Document(value, { version: "1.1" });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      if (LONE_SURROGATE.test(node.value)) throw new YamlTextError(`a value holds a lone UTF-16 surrogate: ${JSON.stringify(node.value.slice(0, 40))}`);
      if (UNSAFE.test(node.value)) node.type = "QUOTE_DOUBLE";
      // YAML 1.1 resolves a plain `<<` (merge) and `=` (value) to tags of their own, and the `yaml`
      // package writes `<<` plain even when asked to quote it: an explicit string tag keeps both strings.
      if (node.value === "<<" || node.value === "=") {
        node.type = "QUOTE_DOUBLE";
        node.tag = "tag:yaml.org,2002:str";
      }
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  // Only double-quoted scalars can still hold these characters raw (every string holding one was made
  // double-quoted above), and an escape is valid there.
  return text.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}
