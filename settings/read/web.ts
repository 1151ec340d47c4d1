/** The web section: web servers, gunicorn and nginx limits, the domain and its certificate. */
import type { CloudCatalog } from "../catalog";
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { defaultOf, fullKey as k, keysNeeding } from "../schema";
import type { AcmeSettings, DomainSettings, WebSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

/** Whether web servers stand behind a load balancer: always from 2 servers, for one only when asked. */
export function usesLoadBalancer(count: number, forced: boolean | undefined): boolean {
  return count >= 2 || forced === true;
}

/** A server size key (webSize, workerSize): the cloud's size slugs, its smallest by default. */
export function serverSize(r: ConfigReader, catalog: CloudCatalog, key: "webSize" | "workerSize"): string {
  return v.matches(k(key), r.get(key) ?? catalog.defaultSize, catalog.sizePattern,
    `a ${catalog.title} size`, `use one of the size slugs, e.g. ${catalog.sizeExamples.join(", ")}`);
}

/** @throws SettingsError naming the first bad key. */
export function readWeb(r: ConfigReader, { profile, catalog, defaults }: StackContext): WebSettings {
  const webCount = r.int("webCount", defaults.webCount);
  if (profile === "single" && webCount !== 1) {
    throw new SettingsError(k("webCount"), webCount, "must be 1 in the single profile (one server runs everything)",
      "use fullstack:profile standard or scaled for more web servers");
  }
  if (profile === "scaled" && webCount < 2) {
    throw new SettingsError(k("webCount"), webCount, "must be at least 2 in the scaled profile",
      "use 2 or more, or fullstack:profile standard for one web server");
  }
  return {
    count: webCount,
    size: serverSize(r, catalog, "webSize"),
    gunicorn: {
      workers: r.int("gunicornWorkers"),
      timeout: r.int("gunicornTimeout"),
      version: v.matches(k("gunicornVersion"), r.get("gunicornVersion"), /^\d+\.\d+(\.\d+)?$/, "a gunicorn version", `use a release number, e.g. "${defaultOf("gunicornVersion")}"`),
    },
    maxUploadMb: r.int("maxUploadMb"),
    loadBalancer: v.boolean(k("loadBalancer"), r.get("loadBalancer")),
  };
}

/** The public name and its DNS zone; undefined without a domain (and then nothing that needs one may be set). */
export function readDomain(r: ConfigReader): DomainSettings | undefined {
  if (r.get("domain") !== undefined) {
    const name = v.domainName(k("domain"), r.get("domain"));
    const labels = name.split(".");
    const zone = r.get("dnsZone") !== undefined ? v.domainName(k("dnsZone"), r.get("dnsZone"))
      : labels.length >= 3 ? labels.slice(1).join(".") : name;
    if (name !== zone && !name.endsWith(`.${zone}`)) {
      throw new SettingsError(k("dnsZone"), zone, `does not contain ${k("domain")} "${name}"`, `use a parent zone of ${name}, e.g. "${labels.slice(1).join(".")}"`);
    }
    return { name, zone, createZone: v.boolean(k("createDnsZone"), r.get("createDnsZone")) };
  } else {
    for (const key of keysNeeding("domain")) {
      if (r.explicit(key)) {
        throw new SettingsError(k(key), r.shown(key), `needs ${k("domain")}`, `set ${k("domain")} too, or remove ${k(key)}`);
      }
    }
  }
  return undefined;
}

/** The single web server's own certificate (a domain and no load balancer). */
export function readAcme(r: ConfigReader, domain: DomainSettings | undefined, web: WebSettings): AcmeSettings {
  const acme: AcmeSettings = {};
  if (domain && r.get("acmeEmail") !== undefined) {
    if (usesLoadBalancer(web.count, web.loadBalancer)) {
      throw new SettingsError(k("acmeEmail"), r.get("acmeEmail"), "has no effect behind a load balancer (its certificate comes from the cloud)",
        `remove it, or run one web server without ${k("loadBalancer")} so that the server gets its own certificate`);
    }
    // It reaches certbot's command line: never an option, never anything a shell or an URL would read twice.
    acme.email = v.matches(k("acmeEmail"), r.get("acmeEmail"), /^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "an email address",
      'use a plain address, e.g. "ops@example.com"');
  }
  return acme;
}
