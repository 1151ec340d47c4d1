/**
 * Self-hosted Redis: the distribution's server, started with our config layered over Debian's, bound
 * only where told, a password, maxmemory with a broker-safe policy, and append-only persistence on the
 * data volume.
 */
import { lines } from "../text";
import type { RedisSpec, RolePart } from "../types";

export const REDIS_CONF = "/etc/redis/fullstack.conf";

export function renderRedisConf(redis: RedisSpec): string {
  if (/[\s"\\]/.test(redis.password)) throw new Error("the Redis password must not contain spaces, quotes or backslashes");
  return lines(
    "# Rendered by fullstack-pulumi: loaded after Debian's defaults; later lines win.",
    "include /etc/redis/redis.conf",
    `bind ${redis.bind.join(" ")}`,
    "protected-mode yes",
    "port 6379",
    `requirepass ${redis.password}`,
    `maxmemory ${redis.maxMemoryMb}mb`,
    `maxmemory-policy ${redis.maxMemoryPolicy}`,
    `dir ${redis.dataDir}`,
    "appendonly yes",
    "appendfsync everysec",
    'rename-command FLUSHALL ""',
    'rename-command FLUSHDB ""',
    'rename-command DEBUG ""',
  );
}

export function redisRole(redis: RedisSpec): RolePart {
  return {
    packages: ["redis-server"],
    writeFiles: [
      // Written after packages install, when the redis group exists.
      { path: REDIS_CONF, permissions: "0640", owner: "root:redis", content: renderRedisConf(redis), defer: true, secret: true },
      {
        path: "/etc/systemd/system/redis-server.service.d/10-fullstack.conf",
        permissions: "0644",
        content: lines(
          "# Rendered by fullstack-pulumi: our config, and write access to the data volume.",
          "[Unit]",
          `RequiresMountsFor=${redis.dataDir}`,
          "",
          "[Service]",
          "ExecStart=",
          `ExecStart=/usr/bin/redis-server ${REDIS_CONF} --supervised systemd --daemonize no`,
          `ReadWritePaths=${redis.dataDir}`,
        ),
      },
    ],
    // Not started by its package: our drop-in requires the data volume, which runcmd mounts.
    startsItself: ["redis-server"],
    runcmd: [
      ["install", "-d", "-o", "redis", "-g", "redis", "-m", "0750", redis.dataDir],
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "redis-server"],
    ],
  };
}
