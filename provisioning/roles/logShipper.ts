/**
 * Ships a server's logs to a syslog receiver over TCP, with TLS or without (Papertrail-style endpoints,
 * a Loki or Vector syslog source, a Datadog-style TLS intake), with rsyslog from Debian's packages:
 * - the services' lines come from the journal through rsyslog's syslog socket (journald's ForwardToSyslog,
 *   on by default in Debian's systemd; Debian's rsyslog.conf loads imuxsock), each tagged with its
 *   identifier (the app's services: their unit's name, provisioning/systemd.ts); only the streams'
 *   identifiers are shipped, everything else stays local;
 * - nginx's files are followed with imfile, each line tagged `<app>-nginx` or `nginx-error`;
 * - one action sends them as RFC 5424 messages (`RSYSLOG_SyslogProtocol23Format`, one per line), through
 *   an in-memory queue that retries a receiver that is down for ever and, once 18,000 lines wait, drops
 *   new ones (queue.discardMark with discardSeverity 0: every severity), so logging on the server never
 *   waits for the receiver;
 * - with TLS, the receiver's certificate must chain to the system's CAs (ca-certificates) and name the
 *   host (gtls, `x509/name`, the host as the permitted peer).
 * rsyslog's settings: its documentation for omfwd, imfile, imuxsock and the gtls network stream driver.
 */
import { lines } from "../text";
import type { LogStream } from "../logs";
import type { LogSinkSpec, RolePart } from "../types";

export const LOG_SHIPPER_CONF = "/etc/rsyslog.d/60-fullstack-ship.conf";
/** The CA bundle a TLS receiver's certificate must chain to (Debian's ca-certificates). */
export const SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt";

/** What the server gets: rsyslog (and its TLS driver) and the shipping settings, read when rsyslog starts. */
export function logShipperPart(appName: string, sink: LogSinkSpec, streams: readonly LogStream[]): RolePart {
  return {
    packages: ["rsyslog", ...(sink.tls ? ["rsyslog-gnutls", "ca-certificates"] : [])],
    writeFiles: [{ path: LOG_SHIPPER_CONF, permissions: "0644", content: renderLogShipperConfig(appName, sink, streams) }],
    // Written before the packages install, so rsyslog's first start reads it; restarted in case rsyslog was
    // already there (an image that has it).
    runcmd: [["systemctl", "restart", "rsyslog"]],
  };
}

/** The tag of the lines of one of nginx's files. */
export function nginxFileTag(appName: string, path: string): string {
  return path.endsWith(".access.log") ? `${appName}-nginx` : "nginx-error";
}

export function renderLogShipperConfig(appName: string, sink: LogSinkSpec, streams: readonly LogStream[], caFile = SYSTEM_CA_FILE): string {
  const q = (value: string) => JSON.stringify(value);
  const identifiers = [...new Set(streams.flatMap((s) => s.identifiers))];
  const files = [...new Set(streams.flatMap((s) => s.files))];
  const tls = sink.tls
    ? ["    StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\"", `    StreamDriverPermittedPeers=${q(sink.host)} StreamDriver.CAFile=${q(caFile)}`]
    : [];
  return lines(
    `# Rendered by fullstack-pulumi: ships ${appName}'s logs to ${sink.host}:${sink.port} (syslog over TCP${sink.tls ? " with TLS" : ""}).`,
    "# Everything also stays in the journal and rsyslog's local files.",
    'module(load="imfile")',
    'module(load="mmrm1stspace")',
    "",
    'ruleset(name="fullstack_ship") {',
    // A syslog line's message starts with the space after its tag: the receiver gets the message itself.
    '  action(type="mmrm1stspace")',
    `  action(type="omfwd" target=${q(sink.host)} port="${sink.port}" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format"`,
    ...tls,
    '    action.resumeRetryCount="-1" queue.type="LinkedList" queue.size="20000" queue.discardMark="18000" queue.discardSeverity="0")',
    "}",
    "",
    ...files.map((path) => `input(type="imfile" File=${q(path)} Tag=${q(`${nginxFileTag(appName, path)}:`)} Ruleset="fullstack_ship")`),
    "",
    `if $programname == [${identifiers.map(q).join(", ")}] then call fullstack_ship`,
  );
}
