/** The data stores section: PostgreSQL and Redis/Valkey (managed, or on the single server's volume). */
import { SettingsError } from "../errors";
import type { ConfigReader } from "../reader";
import { fullKey as k } from "../schema";
import type { PostgresSettings, RedisSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";

export interface DataStoreSettings {
  postgres: PostgresSettings;
  redis: RedisSettings;
  /** Single profile: the data volume's size. */
  volumeSizeGb: number;
}

/**
 * PostgreSQL and Redis, checked against the cloud's plan rules (settings/limits/).
 * @throws SettingsError naming the first bad key.
 */
export function readDataStores(r: ConfigReader, { profile, catalog, defaults }: StackContext): DataStoreSettings {
  const dbNodes = r.int("dbNodes", defaults.dbNodes);
  const postgres: PostgresSettings = {
    version: r.choice("pgVersion", "a managed PostgreSQL version"),
    size: v.matches(k("dbSize"), r.get("dbSize") ?? (profile === "scaled" ? catalog.scaledDbSize ?? catalog.defaultDbSize : catalog.defaultDbSize), catalog.dbSizePattern,
      `a ${catalog.title} database size`, `use one of the database slugs, e.g. ${catalog.dbSizeExamples.join(", ")}`),
    nodes: dbNodes,
    poolSize: r.int("dbPoolSize"),
    backupRetentionDays: r.int("backupRetentionDays"),
  };
  const redis: RedisSettings = {
    size: v.matches(k("redisSize"), r.get("redisSize") ?? (profile === "scaled" ? catalog.scaledCacheSize : catalog.defaultCacheSize),
      catalog.cacheSizePattern, `a ${catalog.title} cache size`, `use e.g. ${catalog.cacheSizeExamples.join(", ")}`),
    nodes: r.int("redisNodes", defaults.redisNodes),
    maxMemoryMb: r.int("redisMaxMemoryMb"),
  };
  if (profile === "scaled" && postgres.nodes < 2) {
    throw new SettingsError(k("dbNodes"), postgres.nodes, "leaves the scaled profile without a standby database node",
      "use 2 or 3, or fullstack:profile standard");
  }
  if (profile !== "single" && catalog.clusterPlanProblem) {
    // The cloud's plan rules (e.g. no standby nodes on DigitalOcean's smallest plan); see settings/limits/.
    for (const [engine, sizeKey, nodesKey, plan] of [["pg", "dbSize", "dbNodes", postgres], ["valkey", "redisSize", "redisNodes", redis]] as const) {
      const problem = catalog.clusterPlanProblem(engine, plan.size, plan.nodes);
      if (problem) {
        throw new SettingsError(k(sizeKey), plan.size, `with ${k(nodesKey)} ${plan.nodes}: ${problem}`,
          `use a plan with standby nodes such as ${engine === "pg" ? catalog.scaledDbSize ?? catalog.dbSizeExamples[1] : catalog.scaledCacheSize}${profile === "scaled" ? "" : `, or ${k(nodesKey)} 1`}`);
      }
    }
    const maxPool = catalog.maxPoolConnections?.(postgres.size);
    if (maxPool !== undefined && postgres.poolSize > maxPool) {
      throw new SettingsError(k("dbPoolSize"), postgres.poolSize, `is more than the ${maxPool} connections ${postgres.size} allows`,
        `use ${maxPool} or less, or a bigger ${k("dbSize")}`);
    }
  }
  return { postgres, redis, volumeSizeGb: r.int("volumeSizeGb") };
}
