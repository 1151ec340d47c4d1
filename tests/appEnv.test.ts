/**
 * settings/appEnv.ts's list of names the library sets stays complete: every variable the rendered
 * app.env holds that the stack's appEnv did not set is on it (so appEnv can never set one silently).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { LIBRARY_ENV } from "../settings/appEnv";
import { ROOT, planStack } from "./helpers";
import { file, servers } from "./topology/inspect";

const STACKS = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);

it.each(STACKS)("%s: every variable of app.env comes from appEnv or is on the library's list", async (stack) => {
  const result = await planStack(stack, { appEnv: ["FROM_APP_ENV=1"] });
  const names = new Set<string>();
  for (const server of servers(result)) {
    const env = server.files.find((f) => /^\/etc\/[^/]+\/app\.env$/.test(f.path));
    if (!env) continue;
    for (const line of file(server, env.path).content.split("\n")) if (/^[A-Z_][A-Z0-9_]*=/.test(line)) names.add(line.split("=")[0]);
  }
  expect(names.has("FROM_APP_ENV")).toBe(true);
  expect([...names].filter((n) => n !== "FROM_APP_ENV" && !(n in LIBRARY_ENV))).toEqual([]);
});
