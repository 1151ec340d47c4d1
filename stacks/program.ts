/**
 * The Pulumi program: stack config -> settings -> components -> exports. Thin on purpose; everything
 * it does is reachable from `components/` for people composing their own stacks.
 */
import * as pulumi from "@pulumi/pulumi";
import { FullStackApp, type FullStackAppArgs } from "../components";
import { argsFromConfig, checkNamePrefix, isSettingsError, loadSettings, type Settings } from "../settings";
import { rawStackConfig } from "./config";

/** Settings errors end the run with their message alone (no stack trace). */
export function readSettings(): Settings {
  try {
    const settings = loadSettings(rawStackConfig());
    checkNamePrefix(settings, appPrefix(settings));
    return settings;
  } catch (err) {
    if (isSettingsError(err)) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/** The name the program gives its FullStackApp; every resource name derives from it. */
export function appPrefix(settings: Settings): string {
  return `${settings.app.name}-${pulumi.getStack()}`;
}

export function program(): Record<string, unknown> {
  // Config errors end the run naming the config key; the component then reads the same config as its
  // args (one mapping, settings/args.ts) and logs the warnings.
  const settings = readSettings();
  const app = new FullStackApp(appPrefix(settings), argsFromConfig(rawStackConfig()) as FullStackAppArgs);
  return {
    profile: settings.profile,
    url: app.url,
    serverAddresses: app.serverAddresses,
    staticUrl: app.staticUrl,
    databaseUrl: app.databaseUrl,
    redisUrl: app.redisUrl,
    tailLogs: app.tailLogs,
    ...(app.loadBalancerAddress ? { loadBalancerAddress: app.loadBalancerAddress } : {}),
  };
}
