/** Route 53 zones and records, and ACM certificates validated through them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudAdapter, DnsZoneHandle } from "../types";

export const dnsZone: CloudAdapter["dnsZone"] = (name, args, opts) => {
  if (args.create) {
    const zone = new aws.route53.Zone(name, { name: args.zone, comment: "Managed by fullstack-pulumi" }, opts);
    return { name: zone.name, id: zone.zoneId };
  }
  const found = aws.route53.getZoneOutput({ name: args.zone, privateZone: false }, { parent: opts.parent });
  return { name: pulumi.output(args.zone), id: found.zoneId };
};

export const certificate: CloudAdapter["certificate"] = (name, args, opts) => {
  return acmCertificate(name, args.zone, args.domain, opts);
};

export const dnsRecord: CloudAdapter["dnsRecord"] = (name, args, opts) => {
  const zoneId = args.zone.id;
  if (args.loadBalancer) {
    // An ALB's addresses change: an alias to its DNS name, answered with its current addresses.
    if (!args.loadBalancer.zoneId) throw new Error("AWS DNS records for a load balancer need an ALB");
    new aws.route53.Record(name, {
      zoneId, name: args.domain, type: "A",
      aliases: [{ name: args.loadBalancer.address, zoneId: args.loadBalancer.zoneId, evaluateTargetHealth: true }],
    }, opts);
    return;
  }
  // A single server's Elastic IP.
  new aws.route53.Record(name, { zoneId, name: args.domain, type: "A", records: [args.address], ttl: 300 }, opts);
};

/** An ACM certificate validated through Route 53. */
export function acmCertificate(name: string, zone: DnsZoneHandle, domain: string, opts: pulumi.CustomResourceOptions) {
  const zoneId = zone.id;
  const cert = new aws.acm.Certificate(name, { domainName: domain, validationMethod: "DNS" }, opts);
  const option = cert.domainValidationOptions.apply((o) => o[0]);
  const record = new aws.route53.Record(`${name}-validation`, {
    zoneId, name: option.resourceRecordName, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 300,
    allowOverwrite: true,
  }, { ...opts, provider: undefined });
  const validation = new aws.acm.CertificateValidation(`${name}-validation`, {
    certificateArn: cert.arn, validationRecordFqdns: [record.fqdn],
  }, opts);
  return { id: validation.certificateArn, name: cert.arn };
}
