import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DnsZoneHandle } from "../clouds";
import { validate } from "../settings";
import type { Network } from "./network";
import { nodesOf, type Nodes } from "./nodes";
import { withTransforms, type ChildTransforms } from "./transform";

export interface CdnBucketArgs {
  /** Decides the cloud and region. */
  network: Network;
  /**
   * Your own access key pair for the bucket API where the cloud has one (DigitalOcean Spaces; pass the
   * secret as a secret). On AWS servers reach the bucket with their instance role.
   * @default DigitalOcean: made from the API token, a full-access key to create the bucket and a key
   * limited to the bucket for the app ({@link CdnBucket.appCredentials})
   */
  credentials?: {
    /** The Spaces access key ID. */
    accessId: pulumi.Input<string>;
    /** The Spaces secret key (pass a secret Output). */
    secretKey: pulumi.Input<string>;
  };
  /**
   * Origins browsers may fetch from (CORS).
   * @default ["*"]
   */
  corsOrigins?: string[];
  /**
   * A custom CDN name (e.g. static.example.com) in a DNS zone the cloud hosts. Pass `dnsZone` when the
   * zone is created in the same run, so the certificate and the CDN wait for it.
   * @default none (the CDN's own endpoint name)
   */
  customDomain?: {
    /** The CDN's name, e.g. static.example.com. */
    name: string;
    /** The DNS zone it goes into, e.g. example.com. */
    zone: string;
    /**
     * The zone, when this run creates it (so the certificate and the CDN wait for it).
     * @default none (the zone exists already)
     */
    dnsZone?: DnsZoneHandle;
  };
  /**
   * Protect the bucket from deletion and replacement. It is never force-destroyed.
   * @default true
   */
  protect?: boolean;
  /**
   * Adjusts the resources this component makes (a droplet's size or backups, an instance's monitoring,
   * tags, ...) with the provider's own argument types: `{ digitalocean: { droplet: (args) => { ... } } }`.
   * Reaches children of nested components too. See `ChildTransforms` for the kinds each cloud has.
   * @default no transforms
   */
  transform?: ChildTransforms;
}

/**
 * Static files on a CDN: a private bucket (no listing; objects the app uploads public-read are served),
 * versioned, never force-destroyed, with CORS for the site's origin, behind the cloud's CDN.
 *
 * Cost note: Spaces is $5/month for 250 GB and 1 TB of transfer, CDN included.
 *
 * @example
 * ```ts
 * const network = new Network("shop", { region: "fra1" });
 * const cdn = new CdnBucket("shop-static", { network, corsOrigins: ["https://shop.example.com"] });
 * export const staticUrl = cdn.publicUrl;
 * ```
 */
export class CdnBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** S3-compatible endpoint the app uploads to. */
  readonly endpoint: pulumi.Output<string>;
  /** Where browsers fetch files. */
  readonly publicUrl: pulumi.Output<string>;
  readonly region: string;
  /**
   * The keys the app's servers use for the bucket (the secret one secret) where the cloud has no instance
   * role (DigitalOcean Spaces); undefined on AWS.
   */
  readonly appCredentials?: { readonly accessId: pulumi.Output<string>; readonly secretKey: pulumi.Output<string> };
  /**
   * What the bucket made, by cloud and kind of child ({@link Nodes}): on DigitalOcean the Spaces bucket,
   * its CORS configuration, the CDN and the Spaces keys; on AWS the S3 bucket and the CloudFront
   * distribution; a certificate and DNS record for a custom domain. Resources of kinds the tables do not
   * list (the bucket's own settings on AWS, the name suffix, providers) are in `other`.
   *
   * @example
   * ```ts
   * import * as aws from "@pulumi/aws";
   * import { CdnBucket, Network } from "fullstack-pulumi";
   *
   * const network = new Network("shop", { cloud: "aws", region: "eu-central-1" });
   * const cdn = new CdnBucket("shop-static", { network });
   * // The bucket is versioned: old versions of a file go after 30 days.
   * const lifecycle = new aws.s3.BucketLifecycleConfiguration("shop-static-lifecycle", {
   *   bucket: cdn.nodes.aws.bucket[0].id,
   *   rules: [{ id: "old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } }],
   * });
   * export const lifecycleId = lifecycle.id;
   * ```
   */
  readonly nodes: Nodes;

  constructor(name: string, args: CdnBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    (args.corsOrigins ?? ["*"]).forEach((o, i) => validate.origin(`CdnBucket.corsOrigins[${i}]`, o));
    if (args.customDomain) validate.domainName("CdnBucket.customDomain.name", args.customDomain.name);
    super("fullstack:cdn:CdnBucket", name, {}, withTransforms(opts, args.transform));
    const adapter = args.network.adapter;
    // Bucket names are global: a stable random suffix avoids collisions without ever changing.
    const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, { parent: this });
    const protect = args.protect ?? true;
    const zone = args.customDomain
      ? args.customDomain.dnsZone ?? adapter.dnsZone(`${name}-zone`, { zone: args.customDomain.zone, create: false }, { parent: this })
      : undefined;
    const base = name.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 55);
    const result = adapter.bucket(name, {
      region: args.network.handle.region,
      bucketName: pulumi.interpolate`${base}-${suffix.result}`,
      corsOrigins: args.corsOrigins ?? ["*"],
      credentials: args.credentials,
      customDomain: args.customDomain && zone ? { name: args.customDomain.name, zone } : undefined,
      protect,
    }, { parent: this });
    this.bucketName = result.bucketName;
    this.endpoint = result.endpoint;
    this.publicUrl = result.publicUrl;
    this.region = args.network.handle.region;
    this.appCredentials = result.appCredentials;
    this.nodes = nodesOf(this);
    this.registerOutputs({ bucketName: this.bucketName, endpoint: this.endpoint, publicUrl: this.publicUrl });
  }
}
