/**
 * Single EC2 servers, and what a server and a server group share (serverBase): the security group that
 * carries the server's own rules, its secret files in Parameter Store, its instance role, the AMI and the
 * gzip'd user data, checked to hold no secret. Servers have IMDSv2 only and encrypted gp3 disks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { gzipSync } from "node:zlib";
import { encodeFetchedFiles, ProvisioningError } from "../../provisioning";
import { SSM_PARAMETER_VALUE_MAX } from "../../settings/limits/aws";
import type { CloudAdapter, MachineRequest, ServerHandle } from "../types";
import { instanceRole } from "./iam";
import { latestAmi } from "./images";
import { details } from "./network";
import { ssmRelease } from "./release";
import { allEgress, ingressRules, sgName } from "./securityGroups";

export const IMDS_V2 = { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled", instanceMetadataTags: "disabled" };
export const ROOT_GB = 20;

/** The security group of each server this adapter made (its own rules go there). */
const serverSecurityGroups = new WeakMap<ServerHandle, pulumi.Output<string>>();

/** User data as EC2 stores it: cloud-init reads gzip-compressed user data. */
export function gzipUserData(userData: string): Buffer {
  return gzipSync(Buffer.from(userData, "utf8"), { level: 9 });
}

/** Parameter Store name of a server's secret files. */
export function secretParameterName(hostname: string): string {
  return `/fullstack/${hostname}/secret-files`;
}

/**
 * Where the rendered user data names the data volume's device until server() knows the volume's ID.
 * Not a path that exists: a server whose user data still held it would wait for it and fail.
 */
export const DATA_VOLUME_DEVICE = "/dev/fullstack-ebs-volume-pending";

/**
 * The path a server sees for its data volume `volumeId`, attached as /dev/sdf. On Nitro instances an EBS
 * volume is an NVMe disk whose serial number is its ID without the dash, which udev links as
 * /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<serial>; the kernel's nvme<N>n1 names follow the order
 * the disks answer at boot, which can change between boots (AWS's "Map Amazon EBS volumes to NVMe device
 * names"), so they are never used. Xen instances (t2) see the attachment name, as /dev/xvdf.
 */
export function dataVolumeDevice(volumeId: string, instanceType: string): string {
  if (/^t2\./.test(instanceType)) return "/dev/xvdf";
  const serial = /^vol-([0-9a-f]+)$/.exec(volumeId)?.[1];
  if (!serial) throw new Error(`${volumeId} is not an EBS volume ID (vol-<hex>)`);
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol${serial}`;
}

/** `userData` with the data volume's device filled in; `volume` undefined: there must be none to fill. */
export function withDataVolume(userData: string, physicalName: string, volume?: { id: string; instanceType: string }): string {
  const holds = userData.includes(DATA_VOLUME_DEVICE);
  if (!volume) {
    if (holds) throw new Error(`${physicalName}: the user data mounts a data volume, but the server has none`);
    return userData;
  }
  if (!holds) throw new Error(`${physicalName}: the server has a data volume, but its user data does not mount it`);
  return userData.replaceAll(DATA_VOLUME_DEVICE, dataVolumeDevice(volume.id, volume.instanceType));
}

/**
 * What a server and a server group share: the security group that carries its own rules, the secret
 * files in Parameter Store, an instance role that reads only those (plus SSM, CloudWatch and the app's
 * buckets and queues), the AMI and the gzip'd user data, checked to hold no secret.
 */
export function serverBase(name: string, physicalName: string, args: MachineRequest, opts: pulumi.ComponentResourceOptions, group = false) {
  const net = details(args.network);
  // Security group names are unique in a VPC, and a group is named like its role ("shop-web"), whose
  // security group already has that name.
  const sgPhysical = group ? `${physicalName}-group` : physicalName;
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
    name: sgName(sgPhysical), vpcId: net.vpcId, description: group ? `Servers of the group ${physicalName}` : `Server ${physicalName}`,
    tags: { Name: sgPhysical },
  }, opts);
  allEgress(`${name}-sg`, securityGroup.id, opts);

  const parameter = new aws.ssm.Parameter(`${name}-secrets`, {
    name: secretParameterName(physicalName),
    type: "SecureString",
    tier: "Intelligent-Tiering",
    description: `Secret files of ${physicalName}, fetched at boot`,
    value: pulumi.secret(args.fetchedFiles.apply((files) => {
      const value = encodeFetchedFiles(files);
      const max = SSM_PARAMETER_VALUE_MAX["Intelligent-Tiering"];
      if (value.length > max) {
        throw new ProvisioningError(`${physicalName}: its fetched files (${files.map((f) => f.path).join(", ")}) encode to ` +
          `${value.length} characters, over Parameter Store's ${max}; shorten fullstack:appEnv or split roles across servers`);
      }
      return value;
    })),
  }, opts);

  const { role, profile } = instanceRole(name, physicalName, { ...args, parameterArn: parameter.arn }, opts);

  const ami = latestAmi(args.os, opts.parent);

  // The rendered cloud-config is secret by inheritance (it is rendered from the app's environment), yet
  // with fetch delivery it holds no secret file: keep it visible so previews show what changes.
  const userDataBase64 = pulumi.unsecret(pulumi.all([args.userData, args.fetchedFiles]).apply(([u, fetchedFiles]) => {
    const leaked = fetchedFiles.filter((f) => f.secret && f.content.length > 0 && u.includes(f.content));
    if (leaked.length > 0) throw new Error(`${physicalName}: user data would carry the secret file(s) ${leaked.map((f) => f.path).join(", ")}`);
    return gzipUserData(u).toString("base64");
  }));
  return {
    securityGroup, role, profile, ami, userDataBase64, parameter,
    // Its role groups: those of the roles something admits (a changed list is an update in place, not a new
    // instance: terraform-provider-aws internal/service/ec2/ec2_instance.go, `vpc_security_group_ids` is
    // an optional, computed set without ForceNew).
    securityGroupIds: [securityGroup.id, ...args.identities.map((r) => r.ref)],
    rolesTag: args.roleNames.join(","),
  };
}

export const server: CloudAdapter["server"] = (name, args, opts): ServerHandle => {
  const net = details(args.network);
  // Spread servers over both zones, by name so a server keeps its zone (and its volume) for life.
  const zone = [...args.hostname].reduce((h, c) => h + c.charCodeAt(0), 0) % 2;
  // A server that asks for a static public address serves the internet itself: an Elastic IP on an
  // instance in a private subnet (no route to the internet gateway) would never answer.
  const isPublic = net.serversPublic || args.reservedIp === true;
  const subnetId = isPublic ? net.publicSubnetIds[zone] : net.privateSubnetIds[zone];
  // The volume first: the user data names it by its ID.
  const volume = args.volume && new aws.ebs.Volume(`${name}-data`, {
    availabilityZone: net.azs.apply((z) => z[zone]),
    size: args.volume.sizeGb,
    type: "gp3",
    encrypted: true,
    tags: { Name: args.volume.name },
  }, { ...opts, protect: args.volume.protect });
  const userData = pulumi.all([args.userData, volume ? volume.id : undefined]).apply(([u, volumeId]) =>
    withDataVolume(u, args.hostname, volumeId === undefined ? undefined : { id: volumeId, instanceType: args.size }));
  const base = serverBase(name, args.hostname, { ...args, userData }, opts);

  const instance = new aws.ec2.Instance(name, {
    ami: base.ami.id,
    instanceType: args.size,
    subnetId,
    associatePublicIpAddress: isPublic,
    vpcSecurityGroupIds: base.securityGroupIds,
    iamInstanceProfile: base.profile.name,
    metadataOptions: IMDS_V2,
    rootBlockDevice: { volumeType: "gp3", volumeSize: ROOT_GB, encrypted: true, deleteOnTermination: true },
    userDataBase64: base.userDataBase64,
    // A new release is a new server, as on DigitalOcean.
    userDataReplaceOnChange: true,
    monitoring: true,
    tags: { Name: args.hostname, Roles: base.rolesTag },
  }, {
    ...opts,
    // Newer AMIs arrive through unattended upgrades, not by replacing servers.
    ignoreChanges: ["ami"],
    deleteBeforeReplace: args.volume !== undefined,
  });

  if (volume) {
    new aws.ec2.VolumeAttachment(`${name}-data`, { deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true }, opts);
  }

  let address = instance.publicIp;
  if (args.reservedIp) {
    const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", tags: { Name: args.hostname } }, opts);
    new aws.ec2.EipAssociation(`${name}-ip`, { allocationId: eip.id, instanceId: instance.id }, opts);
    address = eip.publicIp;
  }
  const release = args.release && ssmRelease(`${name}-release`, args.hostname, args.release, [base.parameter, instance], opts);
  const handle: ServerHandle = {
    id: instance.id, publicIp: instance.publicIp, privateIp: instance.privateIp, address, volumeId: volume ? volume.id : undefined, release,
  };
  serverSecurityGroups.set(handle, base.securityGroup.id);
  return handle;
};

export const serverFirewall: CloudAdapter["serverFirewall"] = (name, args, opts) => {
  const sg = serverSecurityGroups.get(args.server);
  if (!sg) throw new Error("this server was not made by the AWS adapter");
  ingressRules(name, sg, args.ingress, opts);
};
