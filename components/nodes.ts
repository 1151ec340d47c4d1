/**
 * What a component made, typed by the same per-cloud tables as the transforms (clouds/children/): every
 * component's `nodes` lists its descendants by cloud and kind, so `web.nodes.digitalocean.droplet` is the
 * web tier's `digitalocean.Droplet`s and `db.nodes.aws.dbInstance` its `aws.rds.Instance`. A kind added
 * to a table is a transform and a `nodes` list at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { CHILDREN, type ChildClass } from "./transform";

/** Per kind of child in one cloud's table: every instance of that class, in the order they were made. */
export type NodesOf<T extends Record<string, ChildClass>> = { readonly [K in keyof T]: InstanceType<T[K]>[] };

/**
 * The resources a component made, its nested components' included: per cloud (`digitalocean`, `aws`),
 * per kind (the names a `transform` uses), an array of the provider's resource class (empty when it made
 * none of that kind). Custom resources of kinds not in the tables (random passwords, TLS keys, release
 * commands, IAM policies, volume attachments, the Spaces provider, ...) are in `other`, untyped. Nested
 * components themselves are not listed, only what they made; a `Network` passed in is not a child (its VPC
 * and role identities are in its own `nodes`).
 */
export type Nodes = { readonly [C in keyof typeof CHILDREN]: NodesOf<(typeof CHILDREN)[C]> } & {
  /** Custom resources of kinds the tables do not name. */
  readonly other: pulumi.CustomResource[];
};

/**
 * The resources made with `resource` as their parent, in the order they were made. Pulumi's Node SDK
 * has no public way to list them; its Resource constructor records each child on its parent, synchronously
 * (node_modules/@pulumi/pulumi/resource.js, the constructor: `this.__parentResource.__childResources.add(this)`,
 * a Set created with the first child; the same in 3.142.0, the oldest SDK our peer range allows), and the
 * SDK reads that set itself to expand a component named in `dependsOn` (runtime/dependsOn.js). This is the
 * one place the library reads it. `mustHave`: the resource has made children, so a missing record means
 * the SDK no longer keeps it here, which is an error, not an empty list.
 */
function childResources(resource: pulumi.Resource, mustHave: boolean): pulumi.Resource[] {
  const children = (resource as unknown as { __childResources?: unknown }).__childResources;
  if (children === undefined && !mustHave) return [];
  if (children === null || typeof children !== "object" || typeof (children as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new Error(`nodes: this @pulumi/pulumi does not record the children of ${resource.constructor.name} where components/nodes.ts ` +
      "reads them (a Set in __childResources, node_modules/@pulumi/pulumi/resource.js); update components/nodes.ts for it");
  }
  return [...(children as Iterable<pulumi.Resource>)];
}

/** Every custom resource below `root`, depth first: a component's children in the order made, each followed by its own. */
function descendants(root: pulumi.Resource): pulumi.CustomResource[] {
  const out: pulumi.CustomResource[] = [];
  const visit = (r: pulumi.Resource) => {
    for (const child of childResources(r, false)) {
      if (pulumi.CustomResource.isInstance(child)) out.push(child);
      visit(child);
    }
  };
  visit(root);
  return out;
}

type Clouds = keyof typeof CHILDREN;
type IsInstance = { isInstance(obj: unknown): boolean };

/** The descendants of `root` sorted into the tables' kinds, and the rest. */
function collect(root: pulumi.Resource): Nodes {
  const lists: Record<string, Record<string, pulumi.CustomResource[]>> = {};
  const kinds: { cloud: string; kind: string; cls: IsInstance }[] = [];
  for (const [cloud, table] of Object.entries(CHILDREN)) {
    lists[cloud] = {};
    for (const [kind, cls] of Object.entries(table)) {
      lists[cloud][kind] = [];
      kinds.push({ cloud, kind, cls: cls as unknown as IsInstance });
    }
  }
  const other: pulumi.CustomResource[] = [];
  for (const r of descendants(root)) {
    // The generated classes' own check (by type token), which holds across copies of a provider package.
    const k = kinds.find((x) => x.cls.isInstance(r));
    if (k) lists[k.cloud][k.kind].push(r);
    else other.push(r);
  }
  return { ...(lists as unknown as Record<Clouds, never>), other } as Nodes;
}

/**
 * A component's `nodes`: call it in the component's constructor once its children are made, and assign
 * it (`this.nodes = nodesOf(this)`). Each read of the view walks the component's children as they are
 * then, so children made after the constructor (a Network's role identities, made when a rule first names
 * the role) are listed too. Fails here, at construction, when the SDK does not record the children.
 */
export function nodesOf(component: pulumi.ComponentResource): Nodes {
  childResources(component, true);
  const view = {};
  for (const key of [...Object.keys(CHILDREN), "other"]) {
    Object.defineProperty(view, key, { enumerable: true, get: () => collect(component)[key as keyof Nodes] });
  }
  return Object.freeze(view) as Nodes;
}
