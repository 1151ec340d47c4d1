/**
 * The VPC: public and private subnets in two availability zones, and how the private ones reach the
 * internet (not at all, a NAT gateway, or a NAT instance).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { renderNatInstanceConfig } from "../../provisioning";
import { checkProviderRegion } from "../../settings";
import type { CloudAdapter, NetworkHandle } from "../types";
import { latestAmi } from "./images";
import { allEgress, sgName } from "./securityGroups";
import type { AwsNetwork } from "./types";

export const VPC_CIDR = "10.0.0.0/16";
const PUBLIC_CIDRS = ["10.0.0.0/20", "10.0.16.0/20"];
const PRIVATE_CIDRS = ["10.0.128.0/20", "10.0.144.0/20"];

const networks = new WeakMap<NetworkHandle, AwsNetwork>();

/** The AWS details of a network this adapter made. */
export function details(network: NetworkHandle): AwsNetwork {
  const d = networks.get(network);
  if (!d) throw new Error("this network was not made by the AWS adapter");
  return d;
}

/** One subnet of `tier` per CIDR, each in its own availability zone, routed by `routeTable`. */
function subnets(name: string, tier: "public" | "private", cidrs: readonly string[], vpc: aws.ec2.Vpc, azs: pulumi.Output<string[]>,
  routeTable: aws.ec2.RouteTable, opts: pulumi.ComponentResourceOptions): aws.ec2.Subnet[] {
  return cidrs.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(`${name}-${tier}-${i + 1}`, {
      vpcId: vpc.id, cidrBlock: cidr, availabilityZone: azs.apply((z) => z[i]), mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-${tier}-${i + 1}`, Tier: tier },
    }, opts);
    new aws.ec2.RouteTableAssociation(`${name}-${tier}-${i + 1}`, { subnetId: subnet.id, routeTableId: routeTable.id }, opts);
    return subnet;
  });
}

export const network: CloudAdapter["network"] = (name, args, opts): NetworkHandle => {
  // Resources go where the provider's region says (aws:region, or AWS_REGION); servers fetch their
  // secrets from Parameter Store in fullstack:region. The two must agree.
  checkProviderRegion(args.region, aws.config.region);
  const azs = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: opts.parent }).names.apply((n) => n.slice(0, 2));
  const vpc = new aws.ec2.Vpc(name, {
    cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name },
  }, opts);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, opts);
  const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { Name: `${name}-public` },
  }, opts);
  const publicSubnets = subnets(name, "public", PUBLIC_CIDRS, vpc, azs, publicRt, opts);
  const natMode = args.natMode ?? "none";
  const routes: aws.types.input.ec2.RouteTableRoute[] = [];
  if (natMode === "gateway") {
    const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { Name: `${name}-nat` } }, opts);
    const nat = new aws.ec2.NatGateway(`${name}-nat`, {
      allocationId: eip.id, subnetId: publicSubnets[0].id, tags: { Name: `${name}-nat` },
    }, { ...opts, dependsOn: [igw] });
    routes.push({ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
  } else if (natMode === "instance") {
    const sg = new aws.ec2.SecurityGroup(`${name}-nat`, {
      name: sgName(`${name}-nat`), vpcId: vpc.id, description: "NAT instance: forwards private subnets to the internet",
    }, opts);
    new aws.vpc.SecurityGroupIngressRule(`${name}-nat-from-vpc`, {
      securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: VPC_CIDR, description: "Traffic from the private subnets",
    }, opts);
    allEgress(`${name}-nat`, sg.id, opts);
    const ami = latestAmi("debian-12", opts.parent);
    const natInstance = new aws.ec2.Instance(`${name}-nat`, {
      ami: ami.id, instanceType: "t3.nano", subnetId: publicSubnets[0].id, associatePublicIpAddress: true,
      sourceDestCheck: false, vpcSecurityGroupIds: [sg.id],
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      rootBlockDevice: { volumeType: "gp3", encrypted: true, volumeSize: 8 },
      userData: renderNatInstanceConfig(VPC_CIDR),
      tags: { Name: `${name}-nat` },
    }, { ...opts, ignoreChanges: ["ami"] });
    routes.push({ cidrBlock: "0.0.0.0/0", networkInterfaceId: natInstance.primaryNetworkInterfaceId });
  }
  const privateRt = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes, tags: { Name: `${name}-private` } }, opts);
  const privateSubnets = subnets(name, "private", PRIVATE_CIDRS, vpc, azs, privateRt, opts);
  const handle: NetworkHandle = { id: vpc.id, cidr: vpc.cidrBlock, region: args.region };
  networks.set(handle, {
    vpcId: vpc.id, azs,
    publicSubnetIds: publicSubnets.map((s) => s.id),
    privateSubnetIds: privateSubnets.map((s) => s.id),
    serversPublic: natMode === "none",
  });
  return handle;
};
