/** The adapter registry: a new cloud is one new file (or folder) plus one line here. */
import type { CloudName } from "../settings";
import { awsAdapter } from "./aws";
import { digitalOceanAdapter } from "./digitalocean";
import type { CloudAdapter } from "./types";

export * from "./types";

const ADAPTERS: Record<CloudName, CloudAdapter> = {
  digitalocean: digitalOceanAdapter,
  aws: awsAdapter,
};

export function cloudAdapter(name: CloudName): CloudAdapter {
  return ADAPTERS[name];
}
