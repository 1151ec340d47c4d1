/**
 * Runs rendered server files through the real programs that consume them on the server (cloud-init,
 * nginx, systemd, sshd, apt, journald, redis, sh, python, gunicorn), here, offline, without a VM. Each check
 * lays its files out in a throwaway directory the way the server would see them and returns
 * `{ ok, output }`: `ok` is false when the tool rejects a file or is missing, and `output` carries the
 * tool's own messages. Reused by the provisioning tests, and meant for benchmarks and VM tests too.
 *
 * The tools are Debian's (tools/debianTools.ts lists them; `npm test` installs them first, through
 * tools/ensureTools.ts). A missing tool is a failed check, never a skip.
 */
export { contentKey, type ServerFile, type ToolResult } from "./run";
export * from "./kinds";
export * from "./cloudInit";
export * from "./nginx";
export * from "./systemd";
export * from "./scripts";
export * from "./environmentFile";
export * from "./configs";
