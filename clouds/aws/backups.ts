/**
 * The single box's backups off the box: a private S3 bucket (owner-enforced, encrypted with SSE-S3,
 * public access blocked) that expires each dump after the retention. The server writes and reads it with
 * its instance role (granted in iam.ts through `backupAccess`: put, get and list, never delete).
 */
import * as aws from "@pulumi/aws";
import type { BackupStoreHandle, CloudAdapter } from "../types";
import { privateBucket } from "./bucket";

export const backupStore: CloudAdapter["backupStore"] = (name, args, opts): BackupStoreHandle => {
  const bucket = privateBucket(name, args.bucketName, args.protect, opts);
  new aws.s3.BucketLifecycleConfiguration(`${name}-expiry`, {
    bucket: bucket.id,
    rules: [{
      id: "expire-backups", status: "Enabled", filter: { prefix: "" },
      expiration: { days: args.retentionDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }],
  }, opts);
  return {
    bucketName: bucket.bucket,
    store: bucket.bucket.apply((b) => ({ host: `s3.${args.region}.amazonaws.com`, bucket: b, region: args.region, serverSideEncryption: true })),
    byInstanceRole: true,
  };
};
