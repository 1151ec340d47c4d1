/**
 * CIDR blocks by arithmetic, not by spelling. `0.0.0.0/0`, `1.2.3.4/0`, `0.0.0.0/1` + `128.0.0.0/1` and
 * `::ffff:0:0/96` all open a port to the whole IPv4 internet; a string match on "0.0.0.0/0" sees none but
 * the first. The settings, the renderers and the policy pack all ask this module.
 */

export interface Cidr {
  family: 4 | 6;
  /** The network address as an integer (host bits cleared). */
  network: bigint;
  prefix: number;
  /** Canonical text: the network address (host bits cleared, IPv6 compressed) and the prefix. */
  text: string;
}

/**
 * A block counts as open to the world when it is wider than this: more than a /8 of IPv4 (16.7 million
 * addresses, a whole RIR allocation of old) or a /32 of IPv6 (an ISP's whole allocation). No admin
 * network is that wide; a block this wide is the internet, or a large share of it, for a firewall rule.
 */
export const WORLD_PREFIX = { 4: 8, 6: 32 } as const;

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function parseIpv6(input: string): bigint | undefined {
  let text = input;
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
  // An embedded IPv4 address at the end (::ffff:192.0.2.1) is the last two groups.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  let groups: string[];
  if (text.includes("::")) {
    const [left, right] = text.split("::");
    const l = left === "" ? [] : left.split(":");
    const r = right === "" ? [] : right.split(":");
    if (8 - l.length - r.length < 1) return undefined;
    groups = [...l, ...Array<string>(8 - l.length - r.length).fill("0"), ...r];
  } else {
    groups = text.split(":");
  }
  if (groups.length !== 8 || !groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
}

function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/** Parses `address/prefix` (IPv4 or IPv6); undefined when it is not one. Host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text.trim());
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const v4 = parseIpv4(m[1]);
  if (v4 !== undefined) {
    if (prefix > 32) return undefined;
    const network = prefix === 0 ? 0n : (v4 >> BigInt(32 - prefix)) << BigInt(32 - prefix);
    return { family: 4, network, prefix, text: `${formatIpv4(network)}/${prefix}` };
  }
  const v6 = m[1].includes(":") ? parseIpv6(m[1]) : undefined;
  if (v6 === undefined || prefix > 128) return undefined;
  const network = prefix === 0 ? 0n : (v6 >> BigInt(128 - prefix)) << BigInt(128 - prefix);
  return { family: 6, network, prefix, text: `${formatIpv6(network)}/${prefix}` };
}

const V4_MAPPED = 0xffffn << 32n;

/**
 * Does this block open a port to the world (or a large share of it)? IPv4-mapped IPv6 blocks
 * (`::ffff:0:0/96`) count as the IPv4 block they map.
 */
export function isOpenToWorld(block: string | Cidr): boolean {
  // A bare address (as DigitalOcean's firewalls take them) is a /32 or a /128.
  const text = typeof block === "string" && !block.includes("/") ? `${block}/${block.includes(":") ? 128 : 32}` : block;
  const c = typeof text === "string" ? parseCidr(text) : text;
  // What cannot be parsed cannot be shown to be narrow: treat it as open.
  if (!c) return true;
  if (c.family === 6 && c.prefix >= 96 && (c.network >> 32n) === (V4_MAPPED >> 32n)) return c.prefix - 96 < WORLD_PREFIX[4];
  return c.prefix < WORLD_PREFIX[c.family];
}

/** Whether `ip` is an IPv4 address of a private network or loopback (RFC 1918: 10/8, 172.16/12, 192.168/16; 127/8). */
export function isPrivateIPv4(ip: string): boolean {
  const o = ip.split(".").map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return false;
  const [a, b] = o;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
