/**
 * A small S3-compatible server for tests: one access key, buckets made on demand, objects in memory.
 * It checks every request's AWS Signature Version 4 (Authorization header; the algorithm as AWS documents
 * it: "Signature Calculations for the Authorization Header", docs.aws.amazon.com/AmazonS3/latest/API/
 * sig-v4-header-based-auth.html), so a client with the wrong key, region or clock is refused as S3
 * would. It speaks what a backup client needs: PUT, GET and HEAD of objects, ListObjects (v1 and v2) with
 * a prefix, GET ?location; path-style and virtual-host-style addressing. Every request is recorded.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeS3Object {
  body: Buffer;
  headers: Record<string, string>;
  lastModified: Date;
}

export interface FakeS3Request {
  method: string;
  bucket?: string;
  key?: string;
  query: string;
  status: number;
  /** The x-amz-server-side-encryption header the client sent, if any. */
  sse?: string;
}

export interface FakeS3Options {
  accessKey: string;
  secretKey: string;
  region: string;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
}

export class FakeS3 {
  readonly buckets = new Map<string, Map<string, FakeS3Object>>();
  readonly requests: FakeS3Request[] = [];
  private server?: Server;
  port = 0;

  /** The key and region it accepts; may change before the first request. */
  constructor(readonly options: FakeS3Options) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, this.options.host ?? "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const host = String(req.headers.host ?? "");
    // Virtual-host style: <bucket>.<host>; path style: /<bucket>/<key>.
    const hostName = host.replace(/:\d+$/, "");
    const virtual = /^[a-z0-9][a-z0-9.-]*[a-z0-9]\.(?!\d+$)/.test(hostName) && !/^\d+\.\d+\.\d+\.\d+$/.test(hostName) && hostName.includes(".");
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const bucket = virtual ? hostName.split(".")[0] : segments[0] || undefined;
    const key = (virtual ? segments : segments.slice(1)).join("/") || undefined;
    const record = (status: number) => this.requests.push({
      method: req.method ?? "", bucket, key, query: url.search, status, sse: req.headers["x-amz-server-side-encryption"] as string | undefined,
    });
    const reply = (status: number, xml?: string, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { ...(xml ? { "content-type": "application/xml" } : {}), ...headers });
      res.end(xml ?? "");
    };
    const problem = this.verify(req, url, body);
    if (problem) return reply(403, error("SignatureDoesNotMatch", problem));
    if (!bucket) return reply(200, `<ListAllMyBucketsResult><Buckets>${[...this.buckets.keys()].map((b) => `<Bucket><Name>${b}</Name></Bucket>`).join("")}</Buckets></ListAllMyBucketsResult>`);
    const objects = this.buckets.get(bucket) ?? new Map<string, FakeS3Object>();
    this.buckets.set(bucket, objects);
    if (!key) {
      if (url.searchParams.has("location")) return reply(200, `<LocationConstraint>${this.options.region}</LocationConstraint>`);
      if (req.method !== "GET") return reply(405, error("MethodNotAllowed", `${req.method} on a bucket`));
      const prefix = url.searchParams.get("prefix") ?? "";
      const contents = [...objects.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b))
        .map(([k, o]) => `<Contents><Key>${escapeXml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>"${md5(o.body)}"</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
      return reply(200, `<ListBucketResult><Name>${bucket}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join("")}</ListBucketResult>`);
    }
    if (req.method === "PUT") {
      if (url.searchParams.has("uploads") || url.searchParams.has("partNumber")) return reply(501, error("NotImplemented", "multipart uploads"));
      const headers: Record<string, string> = {};
      for (const [h, v] of Object.entries(req.headers)) if (h.startsWith("x-amz-meta-") || h === "content-type") headers[h] = String(v);
      objects.set(key, { body, headers, lastModified: new Date() });
      return reply(200, undefined, { etag: `"${md5(body)}"` });
    }
    const object = objects.get(key);
    if (req.method === "GET" || req.method === "HEAD") {
      if (!object) return reply(404, req.method === "GET" ? error("NoSuchKey", key) : undefined);
      record(200);
      res.writeHead(200, { "content-length": String(object.body.length), etag: `"${md5(object.body)}"`, "last-modified": object.lastModified.toUTCString(), ...object.headers });
      res.end(req.method === "GET" ? object.body : undefined);
      return;
    }
    if (req.method === "DELETE") {
      objects.delete(key);
      return reply(204);
    }
    return reply(405, error("MethodNotAllowed", String(req.method)));
  }

  /** Why the request's SigV4 signature does not hold, or undefined when it does. */
  private verify(req: IncomingMessage, url: URL, body: Buffer): string | undefined {
    const auth = String(req.headers.authorization ?? "");
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return `no AWS4-HMAC-SHA256 Authorization header (${auth.slice(0, 40) || "none"})`;
    const [, accessKey, date, region, signedHeaders, signature] = m;
    if (accessKey !== this.options.accessKey) return `unknown access key ${accessKey}`;
    if (region !== this.options.region) return `signed for region ${region}, not ${this.options.region}`;
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    if (!amzDate.startsWith(date)) return "x-amz-date does not match the credential's date";
    const skew = Math.abs(Date.now() - Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z")));
    if (!(skew < 15 * 60_000)) return "the request time is more than 15 minutes off";
    const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
    if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256(body)) return "x-amz-content-sha256 does not match the body";
    const canonicalQuery = [...url.searchParams.entries()].map(([k, v]) => [encode(k), encode(v)]).sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`).join("&");
    const names = signedHeaders.split(";");
    const canonicalHeaders = names.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const canonicalPath = url.pathname.split("/").map((s) => encode(decodeURIComponent(s))).join("/");
    const canonicalRequest = [req.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join("\n");
    const scope = `${date}/${region}/s3/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(Buffer.from(canonicalRequest))].join("\n");
    let k = hmac(`AWS4${this.options.secretKey}`, date);
    for (const part of [region, "s3", "aws4_request"]) k = hmac(k, part);
    const expected = createHmac("sha256", k).update(toSign).digest("hex");
    return expected === signature ? undefined : "the signature does not match";
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}
function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}
/** RFC 3986 unreserved characters as they are, everything else percent-encoded (SigV4's UriEncode). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}
