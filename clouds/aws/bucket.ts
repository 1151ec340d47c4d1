/**
 * Static files: a private S3 bucket (owner-enforced, encrypted, versioned, TLS only) that only CloudFront
 * reads, through origin access control; optionally under a custom domain with a us-east-1 certificate.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CORS_S3_ORIGIN_REQUEST_POLICY } from "../../settings/limits/aws";
import type { BucketHandle, CloudAdapter } from "../types";
import { acmCertificate } from "./dns";
import { inheritedProviderArgs } from "./provider";
import { sgName } from "./securityGroups";

/** The AWS-managed CachingOptimized policy. */
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/**
 * A private bucket: never force-destroyed, public access blocked, owner-enforced (no ACLs), encrypted
 * with SSE-S3 by default. The static files' bucket and the backups' bucket both start here.
 */
export function privateBucket(name: string, bucketName: pulumi.Input<string>, protect: boolean, opts: pulumi.ComponentResourceOptions): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(name, { bucket: bucketName, forceDestroy: false }, { ...opts, protect });
  new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
    bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
  }, opts);
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
    bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
  }, opts);
  return bucket;
}

export const bucket: CloudAdapter["bucket"] = (name, args, opts): BucketHandle => {
  const bucket = privateBucket(name, args.bucketName, args.protect, opts);
  new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketCorsConfiguration(`${name}-cors`, {
    bucket: bucket.id,
    corsRules: [{ allowedMethods: ["GET", "HEAD"], allowedOrigins: [...args.corsOrigins], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
  }, opts);
  const oac = new aws.cloudfront.OriginAccessControl(`${name}-oac`, {
    name: sgName(`${name}-oac`), description: `CloudFront reads ${name}`,
    originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4",
  }, opts);

  let certificateArn: pulumi.Output<string> | undefined;
  let zoneId: pulumi.Output<string> | undefined;
  if (args.customDomain) {
    // CloudFront takes certificates from us-east-1 only.
    const usEast1 = new aws.Provider(`${name}-us-east-1`, { ...inheritedProviderArgs(), region: "us-east-1" }, opts);
    certificateArn = acmCertificate(`${name}-cdn-cert`, args.customDomain.zone, args.customDomain.name, { ...opts, provider: usEast1 }).id;
    zoneId = args.customDomain.zone.id;
  }
  const distribution = new aws.cloudfront.Distribution(`${name}-cdn`, {
    enabled: true,
    comment: `Static files of ${name}`,
    priceClass: "PriceClass_100",
    httpVersion: "http2and3",
    aliases: args.customDomain ? [args.customDomain.name] : undefined,
    origins: [{ originId: "bucket", domainName: bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
    defaultCacheBehavior: {
      targetOriginId: "bucket",
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD", "OPTIONS"],
      cachedMethods: ["GET", "HEAD"],
      cachePolicyId: CACHING_OPTIMIZED,
      // S3 answers CORS only to requests that carry Origin, which CloudFront strips unless an origin
      // request policy forwards it (the managed CORS-S3Origin policy).
      originRequestPolicyId: CORS_S3_ORIGIN_REQUEST_POLICY,
      compress: true,
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: certificateArn
      ? { acmCertificateArn: certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
      : { cloudfrontDefaultCertificate: true },
  }, opts);
  new aws.s3.BucketPolicy(`${name}-policy`, {
    bucket: bucket.id,
    policy: pulumi.all([bucket.arn, distribution.arn]).apply(([bucketArn, distArn]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudFrontReads", Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject", Resource: `${bucketArn}/*`, Condition: { StringEquals: { "AWS:SourceArn": distArn } },
        },
        {
          Sid: "TLSOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    })),
  }, opts);
  if (args.customDomain && zoneId) {
    new aws.route53.Record(`${name}-cdn-dns`, {
      zoneId, name: args.customDomain.name, type: "A",
      aliases: [{ name: distribution.domainName, zoneId: distribution.hostedZoneId, evaluateTargetHealth: false }],
    }, opts);
  }
  return {
    bucketName: bucket.bucket,
    endpoint: pulumi.output(`https://s3.${args.region}.amazonaws.com`),
    publicUrl: args.customDomain ? pulumi.output(`https://${args.customDomain.name}`) : pulumi.interpolate`https://${distribution.domainName}`,
  };
};
