/**
 * What `pulumi up` would do going from one offline plan to another, per resource: create, update in
 * place, replace or delete, with the inputs that changed (secrets compared, never shown) and those that
 * force the replacement (harness/replacement.ts). The engine's own matching: the same URN (or an alias of
 * the old one) is the same resource.
 */
import { isDeepStrictEqual } from "node:util";
import type { RecordedResource, RunResult } from "./mockRuntime";
import { replacingChanges } from "./replacement";

export type PlanAction = "create" | "update" | "replace" | "delete";

/** Resources that hold data (a replacement or deletion loses it), by type, and what they hold. */
export const STATEFUL_TYPES: Readonly<Record<string, "volume" | "database" | "cache" | "bucket" | "queue">> = {
  "digitalocean:index/volume:Volume": "volume",
  "digitalocean:index/databaseCluster:DatabaseCluster": "database",
  "digitalocean:index/databaseDb:DatabaseDb": "database",
  "digitalocean:index/spacesBucket:SpacesBucket": "bucket",
  "aws:ebs/volume:Volume": "volume",
  "aws:rds/instance:Instance": "database",
  "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
  "aws:s3/bucket:Bucket": "bucket",
  "aws:sqs/queue:Queue": "queue",
};

export type StatefulKind = (typeof STATEFUL_TYPES)[string];

/** What a resource holds, if it holds data (a managed DigitalOcean cluster by its engine). */
export function statefulKind(r: RecordedResource): StatefulKind | undefined {
  const kind = STATEFUL_TYPES[r.type];
  if (kind === "database" && r.type === "digitalocean:index/databaseCluster:DatabaseCluster" && r.inputs.engine !== "pg") return "cache";
  return kind;
}

/** A change that loses data or that `pulumi up` refuses: a stateful resource replaced or deleted, or a protected one. */
export function isDanger(c: PlannedChange): boolean {
  return (c.action === "replace" || c.action === "delete") && (c.protect || c.stateful !== undefined);
}

export interface PlannedChange {
  urn: string;
  type: string;
  name: string;
  action: PlanAction;
  /** Top-level inputs that differ (a secret one by its name only). */
  changed: string[];
  /** Of those, the ones that replace it. */
  replacingBy: string[];
  /** No replacement rule is known for this type: an update may in fact be a replacement. */
  ruleUnknown: boolean;
  /** The resource is protected (before the change): the engine refuses to replace or delete it. */
  protect: boolean;
  /** What it holds, when it holds data. */
  stateful?: StatefulKind;
}

/** A default provider's setting that changes, and what `pulumi up` then does. */
export interface ProviderChange {
  key: string;
  before?: string;
  after?: string;
  /** What it means; `danger` when the update cannot do what the change asks. */
  effect: string;
  danger: boolean;
}

/**
 * Default-provider settings whose change the engine does not carry to the resources. pulumi-aws used to
 * replace every resource when the provider's region changed, and stopped (pulumi/pulumi-aws#5656, the v6
 * series, as terraform-provider-aws v6's per-resource `region` took its place): a new aws:region then
 * leaves the stack's resources in the old region while the provider looks for them in the new one.
 */
const PROVIDER_SETTINGS: Readonly<Record<string, { effect: string; danger: boolean }>> = {
  "aws:region": {
    effect: "`pulumi up` does not move an AWS stack to another region (pulumi-aws no longer replaces resources when the provider's region changes, pulumi/pulumi-aws#5656): "
      + "the old resources stay where they are and the provider no longer finds them. Destroy the stack and create it anew (backing up the data first), or start a new stack",
    danger: true,
  },
};

/** Changes of the default providers' settings that {@link PROVIDER_SETTINGS} knows. */
export function providerChanges(before: RunResult, after: RunResult): ProviderChange[] {
  return Object.entries(PROVIDER_SETTINGS).flatMap(([key, rule]) => {
    const [a, b] = [before.config?.[key], after.config?.[key]];
    return a === b ? [] : [{ key, before: a, after: b, ...rule }];
  });
}

/**
 * The changes from `before` to `after`; unchanged resources are left out. A replaced resource gets a new
 * ID, so every input that holds its old ID changes too (the mock's IDs are stable per resource, as a real
 * engine's are, so an input holding one names that resource): that can replace the resources that refer
 * to it in turn, as it would in a real update (a new VPC replaces the droplets in it).
 */
export function diffPlans(before: RunResult, after: RunResult): PlannedChange[] {
  const old = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
  const pairs: { r: RecordedResource; previous: RecordedResource; changed: Set<string> }[] = [];
  const changes: PlannedChange[] = [];
  const matched = new Set<string>();
  for (const r of after.resources.filter((x) => x.custom)) {
    const previous = old.get(r.urn) ?? aliasOf(r, old);
    if (!previous) {
      changes.push({ urn: r.urn, type: r.type, name: r.name, action: "create", changed: [], replacingBy: [], ruleUnknown: false, protect: false, stateful: statefulKind(r) });
      continue;
    }
    matched.add(previous.urn);
    const ignored = new Set(r.ignoreChanges);
    const keys = [...new Set([...Object.keys(previous.plainInputs), ...Object.keys(r.plainInputs)])];
    pairs.push({ r, previous, changed: new Set(keys.filter((k) => !ignored.has(k) && !isDeepStrictEqual(previous.plainInputs[k], r.plainInputs[k]))) });
  }
  const replaced = new Set<string>();
  const verdict = (p: (typeof pairs)[number]) => replacingChanges(p.r.type, [...p.changed].sort(), p.r.replaceOnChanges ?? [], p.r.plainInputs);
  for (let grew = true; grew;) {
    grew = false;
    const newIds = pairs.filter((p) => replaced.has(p.r.urn) && p.previous.id).map((p) => p.previous.id!);
    for (const p of pairs) {
      const ignored = new Set(p.r.ignoreChanges);
      for (const [k, v] of Object.entries(p.r.plainInputs)) {
        if (!ignored.has(k) && !p.changed.has(k) && newIds.some((id) => JSON.stringify(v).includes(JSON.stringify(id)))) {
          p.changed.add(k);
          grew = true;
        }
      }
      if (!replaced.has(p.r.urn) && (verdict(p) ?? []).length > 0) {
        replaced.add(p.r.urn);
        grew = true;
      }
    }
  }
  for (const p of pairs) {
    if (p.changed.size === 0) continue;
    const replacing = verdict(p);
    const replacingBy = replacing ?? [];
    changes.push({
      urn: p.r.urn, type: p.r.type, name: p.r.name, action: replacingBy.length > 0 ? "replace" : "update", changed: [...p.changed].sort(), replacingBy,
      ruleUnknown: replacing === undefined, protect: p.previous.protect, stateful: statefulKind(p.previous),
    });
  }
  for (const r of before.resources.filter((x) => x.custom && !matched.has(x.urn))) {
    changes.push({ urn: r.urn, type: r.type, name: r.name, action: "delete", changed: [], replacingBy: [], ruleUnknown: false, protect: r.protect, stateful: statefulKind(r) });
  }
  return changes;
}

/** The old resource one of `r`'s aliases names by URN. */
function aliasOf(r: RecordedResource, old: Map<string, RecordedResource>): RecordedResource | undefined {
  for (const alias of r.aliases ?? []) {
    const urn = typeof alias.urn === "string" ? alias.urn : undefined;
    if (urn && old.has(urn)) return old.get(urn);
  }
  return undefined;
}
