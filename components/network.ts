import * as pulumi from "@pulumi/pulumi";
import { cloudAdapter, type CloudAdapter, type ImageHandle, type NetworkHandle, type RoleHandle } from "../clouds";
import type { ImageBake } from "../provisioning";
import { CATALOG, CLOUDS, NAT_MODES, SettingsError, defaultOf, validate, type CloudName, type NatMode, type OperatingSystem } from "../settings";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface NetworkArgs {
  /**
   * Which cloud to build on.
   * @default "digitalocean"
   */
  cloud?: CloudName;
  /** Cloud region, e.g. `"fra1"`. */
  region: string;
  /**
   * AWS: how private subnets reach the internet (`none`: servers live in public subnets behind strict
   * security groups; `gateway`: a managed NAT gateway; `instance`: a small NAT instance).
   * @default "none"
   */
  natMode?: NatMode;
  /**
   * Shown in the cloud console.
   * @default "Private network of <name>"
   */
  description?: string;
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * A private network (a VPC) and the role identities inside it. Servers and data stores of one app share
 * it; access between them is granted by role ("web may reach postgres on 5432"). A role's identity (a
 * DigitalOcean tag, an AWS security group) is made only when something connects to the role or selects
 * servers by it, and that must come before the servers with the role are made (see {@link Network.role}).
 *
 * @example
 * ```ts
 * const net = new Network("shop", { region: "fra1" });
 * const settings = loadSettings({
 *   appRepo: "https://github.com/acme/shop.git",
 *   adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"], adminCidrs: ["203.0.113.7/32"],
 * });
 * const web = new WebTier("shop", { network: net, app: settings.app, access: settings.access });
 * export const url = web.url;
 * ```
 */
export class Network extends pulumi.ComponentResource {
  readonly cloud: CloudName;
  readonly adapter: CloudAdapter;
  readonly handle: NetworkHandle;
  /** The network's id. */
  readonly id: pulumi.Output<string>;
  /** The network's address range. */
  readonly cidr: pulumi.Output<string>;
  /**
   * What the network made, by cloud and kind of child ({@link Nodes}): the VPC (on AWS also its subnets,
   * gateways and route tables), and each role's identity (a DigitalOcean tag, an AWS security group) once
   * something names the role. Resources of kinds the tables do not list are in `other`.
   */
  readonly nodes: Nodes;
  private readonly roles = new Map<string, RoleEntry>();
  private readonly images = new Map<string, { handle: ImageHandle; key: pulumi.Output<string> }>();
  private readonly baseName: string;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const cloud = validate.oneOf("Network.cloud", args.cloud ?? defaultOf("cloud"), CLOUDS, "a supported cloud");
    validate.oneOf("Network.region", args.region, CATALOG[cloud].regions as string[], `a ${CATALOG[cloud].title} region`);
    if (args.natMode !== undefined) {
      validate.oneOf("Network.natMode", args.natMode, NAT_MODES, "a NAT mode");
      if (!CATALOG[cloud].hasNatChoice) throw new SettingsError("Network.natMode", args.natMode, `has no effect on ${CATALOG[cloud].title}`, "remove it");
    }
    super("fullstack:network:Network", name, {}, withTransforms(opts, args.transform));
    this.baseName = name;
    this.cloud = cloud;
    this.adapter = cloudAdapter(cloud);
    this.handle = this.adapter.network(`${name}-vpc`, {
      region: args.region,
      description: args.description ?? `Private network of ${name}`,
      natMode: args.natMode,
    }, { parent: this });
    this.id = this.handle.id;
    this.cidr = this.handle.cidr;
    this.nodes = nodesOf(this);
    this.registerOutputs({ id: this.id, cidr: this.cidr });
  }

  /**
   * The network identity of a role, to name in rules (`{ kind: "role", role: network.role("web") }`), a
   * data store's `allowRoles` or a load balancer. The identity itself (a tag on DigitalOcean, a security
   * group on AWS) is made the first time its `ref` is read, that is when something connects to the role:
   * a role nothing connects to (a single box's postgres and redis on localhost, the scheduler) has none.
   * Servers wear the identities that exist when they are made, so make what admits a role (data stores,
   * load balancers, role rules) before the role's servers; naming the role after them is an error, not a
   * server the rule silently misses.
   */
  role(role: string): RoleHandle {
    validate.identifier("Network.role", role);
    return this.entry(role).handle;
  }

  /**
   * The identities a server (`server`: its name, for the error above) with these roles wears: those made
   * by now. The others are recorded as not worn by it.
   */
  identitiesFor(server: string, roles: readonly string[]): RoleHandle[] {
    return roles.flatMap((role) => {
      validate.identifier("Network.role", role);
      const entry = this.entry(role);
      if (entry.identity) return [entry.identity];
      entry.unworn.push(server);
      return [];
    });
  }

  /**
   * The baked image of servers of one kind (`kind`: their OS, size and roles, which decide their packages)
   * in this network's region: made by the first server of the kind, as one child of the network (so the
   * servers that share it come and go without touching it), shared by the others. `bake` is each server's
   * rendered bake; servers of one kind must bake the same image.
   */
  bakedImage(kind: { os: OperatingSystem; size: string; roles: readonly string[] }, bake: pulumi.Output<ImageBake>): ImageHandle {
    if (!this.adapter.bakeImage) throw new SettingsError("image", "baked", `is not available on ${CATALOG[this.cloud].title}`, "use \"stock\"");
    const label = [kind.os.replace(/[^a-z0-9]+/g, ""), kind.size, ...[...kind.roles].sort()].join("-");
    const known = this.images.get(label);
    if (known) {
      // Equal kinds render equal packages; a difference would be a second image under one name.
      const same = pulumi.all([known.key, bake]).apply(([key, b]) => {
        if (b.key !== key) throw new Error(`Network "${this.baseName}": two ${label} servers bake different images (${key}, ${b.key})`);
        return key;
      });
      return { id: pulumi.all([known.handle.id, same]).apply(([id]) => id) };
    }
    const handle = this.adapter.bakeImage(`${this.baseName}-image-${label}`, {
      region: this.handle.region,
      os: kind.os,
      size: kind.size,
      prefix: this.baseName,
      kind: label,
      // Packages and apt settings only: nothing secret, though the server's other files made the whole
      // rendering secret. Shown as is in previews, so a new package set reads as a new image.
      key: pulumi.unsecret(bake.apply((b) => b.key)),
      userData: pulumi.unsecret(bake.apply((b) => b.userData)),
    }, { parent: this });
    this.images.set(label, { handle, key: pulumi.unsecret(bake.apply((b) => b.key)) });
    return handle;
  }

  private entry(role: string): RoleEntry {
    let entry = this.roles.get(role);
    if (!entry) {
      const made: RoleEntry = {
        unworn: [],
        handle: {
          role,
          get ref(): pulumi.Output<string> {
            return identity().ref;
          },
        },
      };
      const identity = (): RoleHandle => {
        if (!made.identity) {
          if (made.unworn.length > 0) {
            throw new Error(`Network "${this.baseName}": a rule admits the ${role} role after its servers (${made.unworn.join(", ")}) were made ` +
              "without its network identity; make data stores, load balancers and role rules before the servers they admit");
          }
          made.identity = this.adapter.role(`${this.baseName}-${role}`, {
            network: this.handle,
            role,
            tagName: `${this.baseName}-${role}`,
          }, { parent: this });
        }
        return made.identity;
      };
      entry = made;
      this.roles.set(role, entry);
    }
    return entry;
  }
}

/** A role's handle, its identity once something needed it, and the servers made before that. */
interface RoleEntry {
  readonly handle: RoleHandle;
  identity?: RoleHandle;
  readonly unworn: string[];
}
