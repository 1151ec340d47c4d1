/**
 * Typed escape hatches: adjust any resource a component makes, with the provider's own argument types,
 * without forking the component. A transform gets the child's args and options (and its name) before
 * the child is created; it changes them in place or returns new ones. Transforms reach every child of
 * the component they are given to, nested components' children included (a transform on FullStackApp
 * reaches the droplets its WebTier makes).
 *
 * Built on Pulumi's `transformations` resource option, which the SDK applies in the program itself, to
 * a resource and every descendant (pulumi/pulumi sdk/nodejs/resource.ts), so it works the same under the
 * engine and under mocks.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { FullStackApp } from "fullstack-pulumi";
 *
 * const shop = new FullStackApp("shop", {
 *   app: { repo: "https://github.com/acme/shop.git" },
 *   access: {
 *     sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 me@laptop"],
 *     cidrs: ["203.0.113.7/32"],
 *   },
 *   transform: {
 *     digitalocean: {
 *       // Droplet backups on (extra cost), and a tag the team's billing report groups by.
 *       droplet: (args) => {
 *         args.backups = true;
 *         args.tags = pulumi.output(args.tags).apply((tags) => [...(tags ?? []), "team-shop"]);
 *       },
 *     },
 *     aws: { instance: (args) => { args.monitoring = true; } },
 *   },
 * });
 * export const url = shop.url;
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { AWS_CHILDREN } from "../clouds/children/aws";
import { DIGITALOCEAN_CHILDREN } from "../clouds/children/digitalocean";

/** Adjusts one child before it is created: change `args`/`opts` in place, or return replacements. */
export type Transform<Args> = (args: Args, opts: pulumi.CustomResourceOptions, name: string) =>
  void | { args?: Args; opts?: pulumi.CustomResourceOptions };

/** A provider's resource class, as the tables in clouds/children/ list them. */
export type ChildClass = abstract new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;
/** The args type of a resource class (its constructor's second parameter). */
type ArgsOf<C> = C extends abstract new (name: string, args: infer A, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource
  ? NonNullable<A> : never;
/** One optional transform per kind of child, typed by that child's args. */
export type TransformsOf<T extends Record<string, ChildClass>> = { [K in keyof T]?: Transform<ArgsOf<T[K]>> };

/** The children a transform can name, per cloud: each cloud's table lives in clouds/children/. */
export const CHILDREN = { digitalocean: DIGITALOCEAN_CHILDREN, aws: AWS_CHILDREN } as const;

/** Transforms by cloud, then by kind of child. Kinds of the other cloud are ignored. */
export interface ChildTransforms {
  /**
   * DigitalOcean children, by kind (clouds/children/digitalocean.ts).
   * @default none
   */
  digitalocean?: TransformsOf<typeof DIGITALOCEAN_CHILDREN>;
  /**
   * AWS children, by kind (clouds/children/aws.ts).
   * @default none
   */
  aws?: TransformsOf<typeof AWS_CHILDREN>;
}

/** The provider's type token of a resource class (what the engine records, e.g. digitalocean:index/droplet:Droplet). */
export function typeToken(cls: ChildClass): string {
  const token = (cls as unknown as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token !== "string") throw new Error(`${cls.name} has no Pulumi type token`);
  return token;
}

/** Type token → the user's transform, for the transforms given. */
function byToken(transforms: ChildTransforms): Map<string, Transform<unknown>> {
  const out = new Map<string, Transform<unknown>>();
  for (const cloud of Object.keys(CHILDREN) as (keyof typeof CHILDREN)[]) {
    const given = (transforms[cloud] ?? {}) as Record<string, Transform<unknown> | undefined>;
    const table = CHILDREN[cloud] as Record<string, ChildClass>;
    for (const [kind, fn] of Object.entries(given)) {
      if (fn === undefined) continue;
      if (typeof fn !== "function") throw new Error(`transform.${cloud}.${kind} must be a function (args, opts, name) => ...`);
      const cls = table[kind];
      if (!cls) {
        throw new Error(`transform.${cloud}.${kind}: no such child; the ${cloud} children a transform can adjust are ${Object.keys(table).join(", ")}`);
      }
      out.set(typeToken(cls), fn);
    }
  }
  return out;
}

/**
 * The component's resource options with the transforms added (after any the caller gave): what each
 * component passes to `super`. Unknown kinds are refused here, before any child is registered.
 */
export function withTransforms<O extends pulumi.ComponentResourceOptions>(opts: O | undefined, transforms: ChildTransforms | undefined): O | undefined {
  if (!transforms) return opts;
  const table = byToken(transforms);
  if (table.size === 0) return opts;
  const transformation: pulumi.ResourceTransformation = ({ type, name, props, opts: childOpts }) => {
    const fn = table.get(type);
    if (!fn) return undefined;
    const result = fn(props, childOpts as pulumi.CustomResourceOptions, name);
    return { props: (result && result.args !== undefined ? result.args : props) as pulumi.Inputs, opts: (result && result.opts) ?? childOpts };
  };
  return { ...(opts ?? {}), transformations: [...(opts?.transformations ?? []), transformation] } as O;
}
