/**
 * The nginx site in front of gunicorn. Security choices, each deliberate:
 * - a default server that drops requests for unknown host names (444), so Host-header tricks never
 *   reach the app; only `/healthz` answers there, for load balancer checks that address the server by IP;
 * - every proxy header is set by nginx, never passed through; X-Forwarded-For/-Proto from the load
 *   balancer are believed only when the peer is in `trustedProxies` (realip + geo);
 * - static and media files are served by nginx with long cache headers, the rest goes to gunicorn over a
 *   unix socket that only nginx can open.
 */
import { lines } from "./text";
import { appPaths, type AppSpec, type WebSpec } from "./types";

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

export function renderNginxSite(app: AppSpec, web: WebSpec): string {
  const p = appPaths(app.name);
  const upstream = `${app.name.replace(/-/g, "_")}_gunicorn`;
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
  const indent = (n: number, items: string[]) => items.map((l) => `${" ".repeat(n)}${l}`);
  const healthz = (host: string) => [
    "location = /healthz {",
    "    access_log off;",
    ...indent(4, proxyHeaders.map((h) => (h.startsWith("proxy_set_header Host ") ? `proxy_set_header Host ${host};` : h))),
    `    proxy_pass http://${upstream}${app.healthCheckPath};`,
    "}",
  ];

  return lines(
    "# Rendered by fullstack-pulumi. Local edits are replaced on the next deploy.",
    `upstream ${upstream} {`,
    `    server unix:${p.socket} fail_timeout=0;`,
    "    keepalive 16;",
    "}",
    "",
    "# Believe X-Forwarded-* only from the load balancer's network.",
    ...realIp,
    web.trustedProxies.length > 0 && "real_ip_header X-Forwarded-For;",
    web.trustedProxies.length > 0 && "real_ip_recursive on;",
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
    "",
    "server {",
    "    listen 80;",
    "    listen [::]:80;",
    `    server_name ${names};`,
    "",
    `    client_max_body_size ${web.maxUploadMb}m;`,
    "    keepalive_timeout 65;",
    "    server_tokens off;",
    "    # The app's requests in a log of their own (Debian's logrotate rotates /var/log/nginx/*.log),",
    "    # through a 32 KB buffer written at least every 5 s and on reload, log rotation and stop: one write",
    "    # per many requests instead of one per request (bench/RESULTS.md, \"Web tier\").",
    `    access_log /var/log/nginx/${app.name}.access.log combined buffer=32k flush=5s;`,
    "    add_header X-Content-Type-Options nosniff always;",
    "    add_header Referrer-Policy strict-origin-when-cross-origin always;",
    "",
    "    gzip_vary on;",
    "    gzip_proxied any;",
    "    gzip_comp_level 5;",
    "    gzip_min_length 1024;",
    "    gzip_types text/plain text/css text/xml application/json application/javascript application/xml image/svg+xml;",
    "",
    "    location /static/ {",
    `        alias ${staticRoot}/;`,
    "        gzip_static on;",
    "        # One Cache-Control header (max-age makes Expires redundant). add_header here replaces the",
    "        # server's headers, so nosniff is repeated; Referrer-Policy is left to the pages (the value is",
    "        # browsers' default anyway).",
    '        add_header Cache-Control "public, max-age=2592000" always;',
    "        add_header X-Content-Type-Options nosniff always;",
    "        access_log off;",
    "        open_file_cache max=1000 inactive=60s;",
    "        # Most of /static/ is text that goes out as its small .gz: one read and one write cost less than",
    "        # sendfile's cork, header write, sendfile and uncork (images pay one copy more). No try_files: the",
    "        # static handler answers 404 itself, and try_files would look every file up twice.",
    "        # (bench/RESULTS.md, \"Web tier\".)",
    "        sendfile off;",
    ...indent(8, DOTFILES_DENIED),
    "    }",
    "",
    "    location /media/ {",
    `        alias ${p.mediaRoot}/;`,
    '        add_header Cache-Control "public, max-age=604800" always;',
    "        # add_header here replaces the server's, so repeat them (uploads may be documents).",
    "        add_header X-Content-Type-Options nosniff always;",
    "        add_header Referrer-Policy strict-origin-when-cross-origin always;",
    ...indent(8, DOTFILES_DENIED),
    "    }",
    "",
    ...indent(4, healthz("localhost")),
    "",
    "    location / {",
    ...indent(8, proxyHeaders),
    "        proxy_redirect off;",
    "        proxy_buffering on;",
    `        proxy_read_timeout ${web.gunicorn.timeout + 5}s;`,
    `        proxy_pass http://${upstream};`,
    "    }",
    "}",
  );
}
