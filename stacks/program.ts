/**
 * The Pulumi program: stack config -> settings -> components -> exports. Thin on purpose; everything
 * it does is reachable from `components/` for people composing their own stacks.
 */
import * as pulumi from "@pulumi/pulumi";
import { WebTier } from "../components";
import { isSettingsError, loadSettings, type Settings } from "../settings";
import { rawStackConfig } from "./config";

/** Settings errors end the run with their message alone (no stack trace). */
export function readSettings(): Settings {
  try {
    return loadSettings(rawStackConfig());
  } catch (err) {
    if (isSettingsError(err)) throw new pulumi.RunError(err.message);
    throw err;
  }
}

export function program(): Record<string, unknown> {
  const settings = readSettings();
  const name = `${settings.app.name}-${pulumi.getStack()}`;

  const web = new WebTier(name, {
    cloud: settings.cloud,
    region: settings.region,
    app: settings.app,
    count: settings.web.count,
    size: settings.web.size,
    os: settings.os,
    access: settings.access,
    gunicorn: settings.web.gunicorn,
    maxUploadMb: settings.web.maxUploadMb,
    domain: settings.domain,
    timezone: settings.server.timezone,
    swapMb: settings.server.swapMb,
    protect: settings.protect,
  });

  return {
    url: web.url,
    serverAddresses: web.serverAddresses,
    serverIds: web.serverIds,
    ...(web.loadBalancerAddress ? { loadBalancerAddress: web.loadBalancerAddress } : {}),
  };
}
