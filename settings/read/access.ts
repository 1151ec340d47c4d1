/** Who may log in and from where (admin user, SSH keys and addresses, release addresses), and server basics. */
import { RESERVED_ACCOUNT_NAMES } from "../accounts";
import { isOpenToWorld, WORLD_PREFIX } from "../cidr";
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { fullKey as k } from "../schema";
import type { AccessSettings, ServerSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/** @throws SettingsError naming the first bad key. */
export function readAccess(r: ConfigReader, { catalog }: StackContext): AccessSettings {
  const adminUser = v.matches(k("adminUser"), r.get("adminUser"), /^[a-z_][a-z0-9_-]{0,30}$/, "a valid Unix user name",
    "use lowercase letters, digits, _ or -, starting with a letter or _");
  if (RESERVED_ACCOUNT_NAMES.has(adminUser)) {
    throw new SettingsError(k("adminUser"), adminUser, "is a system account or group on the servers", 'use a name of your own, e.g. "ops"');
  }
  const access: AccessSettings = {
    adminUser,
    adminSshKeys: v.stringList(k("adminSshKeys"), r.get("adminSshKeys")).map((key, i) => v.sshPublicKey(`${k("adminSshKeys")}[${i}]`, key)),
    adminCidrs: v.stringList(k("adminCidrs"), r.get("adminCidrs")).map((c, i) => v.cidr(`${k("adminCidrs")}[${i}]`, c)),
    sshKeyIds: v.stringList(k("sshKeyIds"), r.get("sshKeyIds")).map((id, i) => v.matches(`${k("sshKeyIds")}[${i}]`, id,
      /^(\d+|([0-9a-f]{2}:){15}[0-9a-f]{2}|SHA256:[A-Za-z0-9+/=]+)$/, "an SSH key ID or fingerprint",
      'use the numeric ID or the MD5 fingerprint shown in the cloud console, e.g. "3b:16:bf:..."')),
  };
  if (catalog.requiresSshKey && access.adminSshKeys.length === 0 && access.sshKeyIds.length === 0) {
    throw new SettingsError(k("adminSshKeys"), [], `is empty and so is ${k("sshKeyIds")}; ${catalog.title} would mail a root password`,
      `add your public key with \`pulumi config set --path 'adminSshKeys[0]' "$(cat ~/.ssh/id_ed25519.pub)"\` (SSH stays closed unless ${k("adminCidrs")} lists addresses)`);
  }
  if (catalog.releaseDelivery === "push") {
    access.releaseCidrs = r.get("releaseCidrs") === undefined ? [...access.adminCidrs]
      : v.stringList(k("releaseCidrs"), r.get("releaseCidrs")).map((c, i) => v.cidr(`${k("releaseCidrs")}[${i}]`, c));
    if (access.releaseCidrs.length === 0) {
      throw new SettingsError(k("releaseCidrs"), [], `is empty and so is ${k("adminCidrs")}; ${catalog.title} releases reach the servers over SSH from where \`pulumi up\` runs`,
        `list that address, e.g. a CI runner's egress "198.51.100.4/32" (see the README, "Releases"), or ["0.0.0.0/0", "::/0"] to admit the release key from anywhere`);
    }
  }
  const worldWide = access.adminCidrs.findIndex((c) => isOpenToWorld(c));
  if (worldWide >= 0) {
    throw new SettingsError(`${k("adminCidrs")}[${worldWide}]`, access.adminCidrs[worldWide], "opens SSH to the internet, or a large share of it",
      `list only your own addresses, no wider than /${WORLD_PREFIX[4]} (IPv4) or /${WORLD_PREFIX[6]} (IPv6), e.g. "203.0.113.7/32", or leave it empty to close SSH`);
  }
  return access;
}

/** @throws SettingsError naming the first bad key. */
export function readServer(r: ConfigReader): ServerSettings {
  return {
    timezone: v.matches(k("timezone"), r.get("timezone"), /^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/, "an IANA time zone",
      'use a name such as "UTC" or "Europe/Berlin"'),
    swapMb: r.int("swapMb"),
  };
}
