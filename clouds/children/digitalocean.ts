/**
 * The DigitalOcean resources the components make that a user can adjust with a typed transform
 * (`transform: { digitalocean: { droplet: (args) => { ... } } }`), by the name the
 * transform uses; each component's `nodes` lists its children by the same names (`web.nodes.digitalocean.droplet`).
 */
import * as digitalocean from "@pulumi/digitalocean";

export const DIGITALOCEAN_CHILDREN = {
  droplet: digitalocean.Droplet,
  volume: digitalocean.Volume,
  firewall: digitalocean.Firewall,
  loadBalancer: digitalocean.LoadBalancer,
  reservedIp: digitalocean.ReservedIp,
  reservedIpAssignment: digitalocean.ReservedIpAssignment,
  vpc: digitalocean.Vpc,
  tag: digitalocean.Tag,
  databaseCluster: digitalocean.DatabaseCluster,
  databaseFirewall: digitalocean.DatabaseFirewall,
  databaseConnectionPool: digitalocean.DatabaseConnectionPool,
  databaseDb: digitalocean.DatabaseDb,
  databaseUser: digitalocean.DatabaseUser,
  spacesBucket: digitalocean.SpacesBucket,
  spacesBucketCors: digitalocean.SpacesBucketCorsConfiguration,
  spacesKey: digitalocean.SpacesKey,
  cdn: digitalocean.Cdn,
  certificate: digitalocean.Certificate,
  domain: digitalocean.Domain,
  dnsRecord: digitalocean.DnsRecord,
  monitorAlert: digitalocean.MonitorAlert,
  uptimeCheck: digitalocean.UptimeCheck,
  uptimeAlert: digitalocean.UptimeAlert,
} as const;
