/**
 * The settings every other section depends on: profile, cloud, framework and worker kind (which decide
 * where each key applies), region, NAT, environment and protection, operating system and server image.
 */
import { checkApplicability } from "../applicability";
import {
  CATALOG, PROFILE_DEFAULTS, type CloudCatalog, type CloudName, type Environment, type Framework, type NatMode, type OperatingSystem, type Profile,
  type ProfileDefaults, type ServerImage, type WorkerKind,
} from "../catalog";
import type { ConfigReader } from "../reader";
import { fullKey as k } from "../schema";
import * as v from "../validate";

export interface StackContext {
  profile: Profile;
  cloud: CloudName;
  framework: Framework;
  workerKind: WorkerKind;
  /** Facts about the cloud (settings/catalog.ts). */
  catalog: CloudCatalog;
  /** What the profile picks for the keys whose default depends on it. */
  defaults: ProfileDefaults;
  region: string;
  natMode?: NatMode;
  environment: Environment;
  protect: boolean;
  os: OperatingSystem;
  /** What servers boot from; "stock" where baked images do not apply (the applicability check refuses anything else there). */
  serverImage: ServerImage;
}

/**
 * Reads the stack-wide settings, then refuses any key set where it has no effect (settings/applicability.ts).
 * @throws SettingsError naming the first bad key.
 */
export function readStack(r: ConfigReader): StackContext {
  const profile = r.choice("profile", "a profile");
  const cloud = r.choice("cloud", "a supported cloud");
  const framework = r.choice("framework", "a supported framework");
  const workerKind = r.choice("workerKind", "a task queue");
  checkApplicability({ profile, cloud, framework, workerKind }, r.explicit, r.shown);
  const catalog = CATALOG[cloud];
  const defaults = PROFILE_DEFAULTS[profile];
  const region = v.oneOf(k("region"), r.get("region") ?? catalog.defaultRegion, catalog.regions, `a ${catalog.title} region`);
  const natMode = catalog.hasNatChoice ? r.choice("natMode", "a NAT mode", defaults.natMode) : undefined;
  const environment = r.choice("environment", "an environment");
  const protect = r.get("protect") === undefined ? environment !== "dev" : v.boolean(k("protect"), r.get("protect"));
  const os = v.operatingSystem(k("os"), r.choice("os", "a supported operating system"), cloud);
  const serverImage = r.choice("serverImage", "a server image");
  return { profile, cloud, framework, workerKind, catalog, defaults, region, natMode, environment, protect, os, serverImage };
}
