/** The bucket section: static and media files in object storage behind the CDN. */
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { fullKey as k, keysNeeding } from "../schema";
import type { BucketSettings, DomainSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/**
 * The bucket; undefined without one (and then nothing that needs it may be set).
 * @throws SettingsError naming the first bad key.
 */
export function readBucket(r: ConfigReader, { catalog, defaults, region }: StackContext, domain: DomainSettings | undefined): BucketSettings | undefined {
  const wantBucket = r.get("bucket") === undefined ? defaults.bucket : v.boolean(k("bucket"), r.get("bucket"));
  let bucket: BucketSettings | undefined;
  if (wantBucket && catalog.bucketRegions && !catalog.bucketRegions.includes(region)) {
    throw new SettingsError(k("bucket"), true, `has no Spaces in ${region}`,
      `set ${k("bucket")} false, or use a ${k("region")} with Spaces: ${catalog.bucketRegions.join(", ")}`);
  }
  if (wantBucket) {
    let credentials: BucketSettings["credentials"];
    if (catalog.bucketNeedsKeys) {
      // Optional: without them the API token makes the bucket's keys (clouds/digitalocean.ts).
      const accessId = r.get("spacesAccessId");
      const secretKey = r.get("spacesSecretKey");
      const given = (x: unknown) => typeof x === "string" && x.length > 0;
      if (given(accessId) !== given(secretKey)) {
        const [missing, set] = given(accessId) ? ["spacesSecretKey", "spacesAccessId"] as const : ["spacesAccessId", "spacesSecretKey"] as const;
        throw new SettingsError(k(missing), "(unset)", `is needed with ${k(set)} (your own Spaces key pair)`,
          `set both (\`pulumi config set ${missing.replace(/^spacesSecretKey$/, "--secret spacesSecretKey")} <value>\`), or neither to let the API token make the bucket's keys`);
      }
      if (given(accessId)) {
        v.matches(k("spacesAccessId"), accessId, /^[A-Za-z0-9]{10,64}$/, "a Spaces access key ID", "use the key ID shown under API > Spaces Keys");
        credentials = { accessId: accessId as string, secretKey: secretKey as string };
      }
    }
    const cdnDomain = r.get("cdnDomain") === undefined ? undefined : v.domainName(k("cdnDomain"), r.get("cdnDomain"));
    const corsOrigins = r.get("corsOrigins") !== undefined
      ? v.stringList(k("corsOrigins"), r.get("corsOrigins")).map((o, i) => v.origin(`${k("corsOrigins")}[${i}]`, o))
      : domain ? [`https://${domain.name}`] : ["*"];
    if (cdnDomain && !domain) {
      throw new SettingsError(k("cdnDomain"), cdnDomain, `needs ${k("domain")} (its DNS zone hosts the CDN name)`, `set ${k("domain")}, or remove ${k("cdnDomain")}`);
    }
    if (cdnDomain && domain && !cdnDomain.endsWith(`.${domain.zone}`)) {
      throw new SettingsError(k("cdnDomain"), cdnDomain, `is not inside the DNS zone "${domain.zone}"`, `use a name ending in .${domain.zone}`);
    }
    bucket = { credentials, corsOrigins, cdnDomain };
  } else {
    for (const key of keysNeeding("bucket")) {
      if (r.explicit(key)) {
        throw new SettingsError(k(key), r.shown(key), `needs the bucket`, `set ${k("bucket")} true, or remove ${k(key)}`);
      }
    }
  }
  return bucket;
}
