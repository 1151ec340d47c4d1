/**
 * The Pulumi program: stack config -> settings -> components -> exports. Thin on purpose; everything
 * it does is reachable from `components/` for people composing their own stacks.
 */
import * as pulumi from "@pulumi/pulumi";
import { FullStackApp } from "../components";
import { checkNamePrefix, isSettingsError, loadSettings, type Settings } from "../settings";
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
  const settings = readSettings();
  for (const warning of settings.warnings) void pulumi.log.warn(warning);
  const app = new FullStackApp(appPrefix(settings), settings);
  return {
    profile: settings.profile,
    url: app.url,
    serverAddresses: app.serverAddresses,
    staticUrl: app.staticUrl,
    databaseUrl: app.databaseUrl,
    redisUrl: app.redisUrl,
    ...(app.loadBalancerAddress ? { loadBalancerAddress: app.loadBalancerAddress } : {}),
  };
}
