/**
 * Facts about each cloud that settings validate against. Pure data: adding a cloud adds an entry here
 * and an adapter in `clouds/`, nothing else in the settings layer.
 */
export type CloudName = "digitalocean";

export interface CloudCatalog {
  /** Human name used in error messages. */
  readonly title: string;
  /** Regions that accept new resources. */
  readonly regions: readonly string[];
  /** A server size is valid when it matches this pattern. */
  readonly sizePattern: RegExp;
  /** Example sizes for error messages and docs. */
  readonly sizeExamples: readonly string[];
  /** The smallest sensible size for each server role (the "$6 box"). */
  readonly defaultSize: string;
  /** Cloud-init user data limit in bytes. */
  readonly userDataLimit: number;
  /** Managed database node sizes match this pattern. */
  readonly dbSizePattern: RegExp;
  readonly dbSizeExamples: readonly string[];
}

export const CATALOG: Record<CloudName, CloudCatalog> = {
  digitalocean: {
    title: "DigitalOcean",
    // ams2, sfo1 and a few others no longer accept new droplets.
    regions: ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1"],
    sizePattern: /^(s|c|c2|g|gd|m|m3|m6|so|so1_5)-\d+vcpu-\d+(gb|mb)(-[a-z0-9]+)*$/,
    sizeExamples: ["s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb", "c-2", "g-2vcpu-8gb"],
    defaultSize: "s-1vcpu-1gb",
    userDataLimit: 64 * 1024,
    dbSizePattern: /^(db|gd|so1_5|m|m3)-(s|amd|intel)?-?\d+vcpu-\d+gb$/,
    dbSizeExamples: ["db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb"],
  },
};

export const CLOUDS = Object.keys(CATALOG) as CloudName[];

/** Operating systems we render cloud-init for; adapters map them to their own images. */
export const OPERATING_SYSTEMS = ["ubuntu-24.04", "debian-12"] as const;
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];

export const FRAMEWORKS = ["django", "flask"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const PROFILES = ["single", "standard", "scaled"] as const;
export type Profile = (typeof PROFILES)[number];

export const WORKER_KINDS = ["celery", "rq", "none"] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
