/**
 * The nginx site in front of gunicorn. Security choices, each deliberate:
 * - a default server that drops requests for unknown host names (444), so Host-header tricks never
 *   reach the app; only `/healthz` answers there, for load balancer checks that address the server by IP;
 * - every proxy header is set by nginx, never passed through; X-Forwarded-For/-Proto from the load
 *   balancer are believed only when the peer is in `trustedProxies` (realip + geo);
 * - static and media files are served by nginx with long cache headers, the rest goes to gunicorn over a
 *   unix socket that only nginx can open;
 * - with `web.tls` (one server with a domain, no load balancer) nginx terminates TLS itself. The site comes
 *   in two states: {@link renderNginxSite} serves the app over HTTP and answers Let's Encrypt's HTTP-01
 *   challenges, so the first boot works before any certificate exists; {@link renderNginxHttpsSite}, which
 *   provisioning/roles/tls.ts enables in its place once the certificate is there, serves the app over
 *   HTTPS only (HSTS), and on HTTP only the challenges, `/healthz` and a 301 to HTTPS.
 */
import { lines } from "./text";
import { appPaths, type AppSpec, type WebSpec } from "./types";

/** Where the site lives on the server: roles/web.ts writes `available` and links `enabled` to it; roles/tls.ts later links `enabled` to `https`. */
export function nginxSitePaths(appName: string) {
  return {
    available: `/etc/nginx/sites-available/${appName}.conf`,
    https: `/etc/nginx/sites-available/${appName}-https.conf`,
    enabled: `/etc/nginx/sites-enabled/${appName}.conf`,
  };
}

/**
 * The directory nginx serves HTTP-01 challenge tokens from (`/.well-known/acme-challenge/<token>` is the
 * file of that path under it); certbot --webroot writes the tokens there.
 */
export const ACME_WEBROOT = "/var/www/acme-challenge";

/** certbot's configuration directory (Debian's default), which holds the certificates nginx reads. */
export const LETSENCRYPT_DIR = "/etc/letsencrypt";

/** The certificate (with its chain) and key certbot keeps current for the lineage `certName`. */
export function certificatePaths(certName: string) {
  return { fullchain: `${LETSENCRYPT_DIR}/live/${certName}/fullchain.pem`, privkey: `${LETSENCRYPT_DIR}/live/${certName}/privkey.pem` };
}

/**
 * HSTS: browsers that saw it use only HTTPS for the host for this long (a year). No includeSubDomains
 * (other names in the zone may have no HTTPS) and no preload (a list shipped in browsers, slow to leave).
 */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * TLS 1.2 and 1.3 only; for 1.2, forward-secret AEAD suites (Mozilla's "intermediate" list without the DHE
 * suites, which would need a DH parameter file). 1.3's suites are OpenSSL's defaults. Session tickets off:
 * their keys would live for the whole life of the nginx process, breaking forward secrecy; the session
 * cache resumes sessions instead.
 */
const TLS_SETTINGS = [
  "ssl_protocols TLSv1.2 TLSv1.3;",
  "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
  "ssl_prefer_server_ciphers off;",
  "ssl_session_timeout 1d;",
  "ssl_session_tickets off;",
];

/** The line the HTTPS site starts with after its header, naming the site it replaces (the server-tool checks read it). */
export const REPLACES_SITE = "# fullstack: enabled in place of";

/**
 * Any IPv4 literal, for servers that have no domain yet (the app is reached by its address). Quoted:
 * nginx reads an unquoted `{` as the start of a block, so a regex with `{n}` must be in quotes.
 */
const IPV4_LITERAL = '"~^\\d{1,3}(\\.\\d{1,3}){3}$"';

/**
 * No file or directory whose name starts with a dot is served from /static/ or /media/ (.git, .env,
 * .htpasswd): nginx answers 404 as for a missing file, so nothing tells a scanner it exists.
 */
const DOTFILES_DENIED = ["location ~ /\\. {", "    return 404;", "}"];

/** What both states of the site share: the upstream, whose forwarding headers to believe, the app's locations. */
function siteParts(app: AppSpec, web: WebSpec) {
  const p = appPaths(app.name);
  const upstream = `${app.name.replace(/-/g, "_")}_gunicorn`;
  const logFormat = `${app.name.replace(/-/g, "_")}_json`;
  const staticRoot = app.framework === "django" ? p.staticRoot : `${p.current}/${app.staticDir}`;
  const names = web.serverNames.length > 0 ? web.serverNames.join(" ") : `${IPV4_LITERAL} localhost`;
  const trusted = web.trustedProxies.map((cidr) => `    ${cidr} 1;`);
  const realIp = web.trustedProxies.map((cidr) => `set_real_ip_from ${cidr};`);

  // What the app is told: the host, the client's address and the scheme. An empty value sends nothing,
  // and also drops what a client sent under that name. X-Real-IP and X-Forwarded-Host would only repeat
  // X-Forwarded-For and Host (and every header costs gunicorn's parser time on every request: four
  // forwarding headers cost a trivial route about 4 % of its throughput, bench/RESULTS.md), so they are
  // dropped, not set.
  const proxyHeaders = [
    "proxy_set_header Host $host;",
    "proxy_set_header X-Forwarded-For $remote_addr;",
    `proxy_set_header X-Forwarded-Proto $${upstream}_proto;`,
    "proxy_set_header X-Real-IP \"\";",
    "proxy_set_header X-Forwarded-Host \"\";",
    "proxy_set_header X-Forwarded-Port \"\";",
    "proxy_set_header X-Forwarded-Prefix \"\";",
    "proxy_set_header Forwarded \"\";",
    "proxy_set_header Connection \"\";",
    "proxy_http_version 1.1;",
  ];
  const healthz = (host: string) => [
    "location = /healthz {",
    "    access_log off;",
    ...indent(4, proxyHeaders.map((h) => (h.startsWith("proxy_set_header Host ") ? `proxy_set_header Host ${host};` : h))),
    `    proxy_pass http://${upstream}${app.healthCheckPath};`,
    "}",
  ];
  // The app's requests in a log of their own (Debian's logrotate rotates /var/log/nginx/*.log).
  const accessLog = [
    "# The app's requests in a log of their own (Debian's logrotate rotates /var/log/nginx/*.log), one JSON",
    "# object per line with the request's time and the app's, through a 32 KB buffer written at least every",
    "# 5 s and on reload, log rotation and stop: one write per many requests instead of one per request",
    "# (bench/RESULTS.md, \"Web tier\").",
    `access_log ${nginxAccessLog(app.name)} ${logFormat} buffer=32k flush=5s;`,
  ];

  const preamble = [
    "# Rendered by fullstack-pulumi. Local edits are replaced on the next deploy.",
    `upstream ${upstream} {`,
    `    server unix:${p.socket} fail_timeout=0;`,
    "    keepalive 16;",
    "}",
    "",
    "# Believe X-Forwarded-* only from the load balancer's network.",
    ...realIp,
    ...(web.trustedProxies.length > 0 ? ["real_ip_header X-Forwarded-For;", "real_ip_recursive on;"] : []),
    `geo $realip_remote_addr $${upstream}_trusted {`,
    "    default 0;",
    ...trusted,
    "}",
    `map $${upstream}_trusted:$http_x_forwarded_proto $${upstream}_proto {`,
    "    default $scheme;",
    '    "1:https" https;',
    '    "1:http" http;',
    "}",
    "",
    "# The app's access log: one JSON object per line (request_time: the whole request; upstream_response_time:",
    "# the app's part of it).",
    nginxLogFormat(logFormat),
    "",
    "# Requests for host names we do not serve are dropped.",
    "server {",
    "    listen 80 default_server;",
    "    listen [::]:80 default_server;",
    "    server_name _;",
    ...indent(4, healthz("localhost")),
    "    location / {",
    "        return 444;",
    "    }",
    "}",
  ];

  /** The app's server: its limits, headers (each location that sets its own repeats them), files and proxy. */
  const appServer = (hsts: boolean) => {
    // Repeated in each location that sets headers of its own (add_header there replaces the server's).
    const strict = hsts ? [`add_header Strict-Transport-Security "max-age=${HSTS_MAX_AGE_SECONDS}" always;`] : [];
    return [
      `client_max_body_size ${web.maxUploadMb}m;`,
      "keepalive_timeout 65;",
      "server_tokens off;",
      ...accessLog,
      ...strict,
      "add_header X-Content-Type-Options nosniff always;",
      "add_header Referrer-Policy strict-origin-when-cross-origin always;",
      "",
      "gzip_vary on;",
      "gzip_proxied any;",
      "gzip_comp_level 5;",
      "gzip_min_length 1024;",
      "gzip_types text/plain text/css text/xml application/json application/javascript application/xml image/svg+xml;",
      "",
      "location /static/ {",
      `    alias ${staticRoot}/;`,
      "    gzip_static on;",
      "    # One Cache-Control header (max-age makes Expires redundant). add_header here replaces the",
      "    # server's headers, so nosniff is repeated; Referrer-Policy is left to the pages (the value is",
      "    # browsers' default anyway).",
      '    add_header Cache-Control "public, max-age=2592000" always;',
      ...indent(4, strict),
      "    add_header X-Content-Type-Options nosniff always;",
      "    access_log off;",
      "    open_file_cache max=1000 inactive=60s;",
      "    # Most of /static/ is text that goes out as its small .gz: one read and one write cost less than",
      "    # sendfile's cork, header write, sendfile and uncork (images pay one copy more). No try_files: the",
      "    # static handler answers 404 itself, and try_files would look every file up twice.",
      "    # (bench/RESULTS.md, \"Web tier\".)",
      "    sendfile off;",
      ...indent(4, DOTFILES_DENIED),
      "}",
      "",
      "location /media/ {",
      `    alias ${p.mediaRoot}/;`,
      '    add_header Cache-Control "public, max-age=604800" always;',
      "    # add_header here replaces the server's, so repeat them (uploads may be documents).",
      ...indent(4, strict),
      "    add_header X-Content-Type-Options nosniff always;",
      "    add_header Referrer-Policy strict-origin-when-cross-origin always;",
      ...indent(4, DOTFILES_DENIED),
      "}",
      "",
      ...healthz("localhost"),
      "",
      "location / {",
      ...indent(4, proxyHeaders),
      "    proxy_redirect off;",
      "    proxy_buffering on;",
      `    proxy_read_timeout ${web.gunicorn.timeout + 5}s;`,
      `    proxy_pass http://${upstream};`,
      "}",
    ];
  };
  return { names, preamble, healthz, accessLog, appServer };
}

/** Let's Encrypt's HTTP-01 challenges: the token files certbot --webroot writes, over plain HTTP. */
const ACME_CHALLENGES = [
  "# Let's Encrypt's HTTP-01 challenges: the tokens certbot writes under the webroot, never redirected.",
  "location ^~ /.well-known/acme-challenge/ {",
  `    root ${ACME_WEBROOT};`,
  "    default_type text/plain;",
  "}",
];

const indent = (n: number, items: string[]) => items.map((l) => (l === "" ? l : `${" ".repeat(n)}${l}`));

/**
 * The site as it is enabled at first boot: the app over HTTP. With `web.tls` it also answers the ACME
 * challenges, and stays in use while the server has no certificate (the issuance retries meanwhile).
 */
export function renderNginxSite(app: AppSpec, web: WebSpec): string {
  const s = siteParts(app, web);
  return lines(
    ...s.preamble,
    "",
    "server {",
    "    listen 80;",
    "    listen [::]:80;",
    `    server_name ${s.names};`,
    "",
    ...(web.tls ? [...indent(4, ACME_CHALLENGES), ""] : []),
    ...indent(4, s.appServer(false)),
    "}",
  );
}

/**
 * The site once the server has its certificate (`web.tls` set): the app over HTTPS only, with HSTS. On
 * HTTP the app's names answer the ACME challenges (renewals), `/healthz` (uptime monitors that check
 * plain HTTP; the app's answer carries nothing a redirect would protect) and a 301 to HTTPS for
 * everything else. TLS for names we do not serve, or without SNI, is refused during the handshake.
 */
export function renderNginxHttpsSite(app: AppSpec, web: WebSpec): string {
  if (!web.tls) throw new Error("renderNginxHttpsSite needs web.tls");
  if (web.serverNames.length === 0) throw new Error("TLS on the server needs at least one server name (the domain)");
  const s = siteParts(app, web);
  const cert = certificatePaths(web.serverNames[0]);
  const [header, ...rest] = s.preamble;
  return lines(
    header,
    `${REPLACES_SITE} ${nginxSitePaths(app.name).available} once the certificate exists (provisioning/roles/tls.ts).`,
    ...rest,
    "",
    "# TLS for names we do not serve, or without SNI, ends in the handshake (no certificate is shown).",
    "server {",
    "    listen 443 ssl default_server;",
    "    listen [::]:443 ssl default_server;",
    "    server_name _;",
    "    ssl_reject_handshake on;",
    ...indent(4, TLS_SETTINGS),
    "    location / {",
    "        return 444;",
    "    }",
    "}",
    "",
    "# Plain HTTP for the app's names: ACME challenges, /healthz, and a permanent redirect to HTTPS.",
    "server {",
    "    listen 80;",
    "    listen [::]:80;",
    `    server_name ${s.names};`,
    "    server_tokens off;",
    ...indent(4, s.accessLog),
    "",
    ...indent(4, ACME_CHALLENGES),
    "",
    ...indent(4, s.healthz("localhost")),
    "",
    "    location / {",
    "        return 301 https://$host$request_uri;",
    "    }",
    "}",
    "",
    "server {",
    "    listen 443 ssl;",
    "    listen [::]:443 ssl;",
    `    server_name ${s.names};`,
    "",
    `    ssl_certificate ${cert.fullchain};`,
    `    ssl_certificate_key ${cert.privkey};`,
    ...indent(4, TLS_SETTINGS),
    `    ssl_session_cache shared:${app.name.replace(/-/g, "_")}_tls:10m;`,
    "",
    ...indent(4, s.appServer(true)),
    "}",
  );
}

/** The file nginx writes the app's requests to. */
export function nginxAccessLog(appName: string): string {
  return `/var/log/nginx/${appName}.access.log`;
}

/**
 * The fields of each access log line, in order, and the nginx variable each holds. Numbers nginx always
 * fills are JSON numbers; the rest are strings (`upstream_response_time` is "-" for a request nginx answered
 * itself, and lists one time per upstream tried, e.g. "0.004, 0.012").
 */
export const NGINX_LOG_FIELDS: readonly { field: string; variable: string; number?: boolean }[] = [
  { field: "time", variable: "$time_iso8601" },
  { field: "remote_addr", variable: "$remote_addr" },
  { field: "method", variable: "$request_method" },
  { field: "uri", variable: "$request_uri" },
  { field: "protocol", variable: "$server_protocol" },
  { field: "status", variable: "$status", number: true },
  { field: "bytes_sent", variable: "$body_bytes_sent", number: true },
  { field: "request_time", variable: "$request_time", number: true },
  { field: "upstream_response_time", variable: "$upstream_response_time" },
  { field: "upstream_status", variable: "$upstream_status" },
  { field: "request_id", variable: "$request_id" },
  { field: "host", variable: "$host" },
  { field: "referer", variable: "$http_referer" },
  { field: "user_agent", variable: "$http_user_agent" },
];

/** The `log_format` of the app's access log (`escape=json`: nginx escapes each value for a JSON string). */
export function nginxLogFormat(name: string): string {
  const body = NGINX_LOG_FIELDS.map((f) => `"${f.field}":${f.number ? f.variable : `"${f.variable}"`}`).join(",");
  return `log_format ${name} escape=json '{${body}}';`;
}

/** The start of the line a request makes, up to its status: `"method":"GET","uri":"/","protocol":"HTTP/1.1","status":200`. */
export function nginxLogEntry(request: { method: string; uri: string; protocol?: string; status: number }): string {
  return `"method":${JSON.stringify(request.method)},"uri":${JSON.stringify(request.uri)},"protocol":${JSON.stringify(request.protocol ?? "HTTP/1.1")},"status":${request.status}`;
}
