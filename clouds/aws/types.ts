/** Types the AWS adapter's files share. */
import type * as pulumi from "@pulumi/pulumi";

/** What the adapter knows of a network behind its neutral handle. */
export interface AwsNetwork {
  vpcId: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string>[];
  privateSubnetIds: pulumi.Output<string>[];
  azs: pulumi.Output<string[]>;
  /** Servers go in public subnets when there is no NAT. */
  serversPublic: boolean;
}
