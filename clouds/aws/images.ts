/** The machine images AWS servers boot from. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { OperatingSystem } from "../../settings";

/** AMIs by owner and name pattern (amd64). Looked up once per deploy; servers ignore newer AMIs. */
const IMAGES: Record<OperatingSystem, { owner: string; name: string }> = {
  "ubuntu-24.04": { owner: "099720109477", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
  "debian-12": { owner: "136693071363", name: "debian-12-amd64-*" },
};

/** The newest amd64 AMI of `os`. */
export function latestAmi(os: OperatingSystem, parent: pulumi.Resource | undefined) {
  const image = IMAGES[os];
  return aws.ec2.getAmiOutput({
    mostRecent: true, owners: [image.owner],
    filters: [{ name: "name", values: [image.name] }, { name: "architecture", values: ["x86_64"] }],
  }, { parent });
}
