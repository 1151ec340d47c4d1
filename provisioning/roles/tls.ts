/**
 * HTTPS on the web server itself, for one server with a domain and no load balancer: a Let's Encrypt
 * certificate over HTTP-01 with Debian's certbot in webroot mode (nginx keeps its own configuration and
 * serves the challenge tokens from a directory; certbot only writes files), renewed by Debian's
 * certbot.timer.
 *
 * The first boot must work before any certificate exists, and a failed issuance (DNS not pointing at the
 * server yet, a rate limit) must never take the site down:
 * 1. roles/web.ts enables the HTTP site (`renderNginxSite`): the app over HTTP, and the challenges;
 * 2. `fullstack-tls-issue` asks for the certificate; certbot stores the webroot, the CA and the deploy hook
 *    in /etc/letsencrypt/renewal/<name>.conf, so every renewal does the same;
 * 3. the deploy hook (`fullstack-tls-deploy`) enables the HTTPS site ({@link renderNginxHttpsSite}) in
 *    place of the HTTP one, checks it with `nginx -t` (and puts the HTTP site back if nginx refuses it)
 *    and reloads nginx; on a renewal it only reloads;
 * 4. until a certificate exists, `fullstack-tls-issue.timer` runs step 2 again every
 *    {@link ISSUE_RETRY_MINUTES} minutes; meanwhile the site keeps serving HTTP.
 */
import { ACME_WEBROOT, LETSENCRYPT_DIR, certificatePaths, nginxSitePaths, renderNginxHttpsSite } from "../nginx";
import { lines, shQuote } from "../text";
import type { AppSpec, RolePart, WebSpec } from "../types";
import type { AcmeSettings } from "../../settings";

/** Let's Encrypt's ACME directories (letsencrypt.org/docs/environments). */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING_DIRECTORY = "https://acme-staging-v02.api.letsencrypt.org/directory";

/**
 * Minutes between issuance attempts while the server has no certificate. Hourly keeps a server whose DNS
 * never points at it well inside Let's Encrypt's limits on failed validations (5 per name and account per
 * hour; and a name that fails for many days in a row is paused, letsencrypt.org/docs/rate-limits); the
 * first attempts come sooner (at boot, and {@link FIRST_RETRY_MINUTES} after it) for DNS that was only
 * a moment late.
 */
export const ISSUE_RETRY_MINUTES = 60;
/** The second attempt after boot: a reserved IP or a DNS record that was a minute late at the first. */
export const FIRST_RETRY_MINUTES = 5;

export const TLS_ISSUE_SCRIPT = "/usr/local/sbin/fullstack-tls-issue";
export const TLS_DEPLOY_HOOK = "/usr/local/sbin/fullstack-tls-deploy";
/** The service that runs the issue script, and its timer (`.service`, `.timer`). */
export const TLS_ISSUE_UNIT = "fullstack-tls-issue";

/** certbot's working and log directories (Debian's defaults), given explicitly like its config directory. */
const CERTBOT_WORK_DIR = "/var/lib/letsencrypt";
const CERTBOT_LOGS_DIR = "/var/log/letsencrypt";

/** The ACME directory certbot talks to: the one given, else Let's Encrypt's (staging or production). */
export function acmeDirectory(acme: AcmeSettings): string {
  return acme.directory ?? (acme.staging ? LETS_ENCRYPT_STAGING_DIRECTORY : LETS_ENCRYPT_DIRECTORY);
}

/** The certificate's lineage name: the first of the site's names (all of them are on the certificate). */
function certName(web: WebSpec): string {
  if (web.serverNames.length === 0) throw new Error("TLS on the server needs at least one server name (the domain)");
  return web.serverNames[0];
}

/** The certbot command line that gets the certificate, one argument per line (as the script runs it). */
export function certbotArgs(web: WebSpec): string[] {
  const acme = web.tls ?? {};
  // Values from the caller go in as --option=value: never read as another option, whatever they start with.
  return [
    "certbot", "certonly", "--non-interactive", "--agree-tos",
    "--config-dir", LETSENCRYPT_DIR, "--work-dir", CERTBOT_WORK_DIR, "--logs-dir", CERTBOT_LOGS_DIR,
    `--server=${acmeDirectory(acme)}`,
    ...(acme.email !== undefined ? [`--email=${acme.email}`] : ["--register-unsafely-without-email"]),
    "--cert-name", certName(web),
    ...web.serverNames.flatMap((name) => ["--domain", name]),
    "--webroot", "--webroot-path", ACME_WEBROOT,
    "--deploy-hook", TLS_DEPLOY_HOOK,
  ];
}

/**
 * Gets the certificate unless the server has one, then hands over to the deploy hook (which switches
 * nginx to HTTPS once, and does nothing when it is on already). Exits non-zero, with certbot's own
 * messages, while there is no certificate.
 */
export function renderIssueScript(web: WebSpec): string {
  const cert = certificatePaths(certName(web));
  // One option (with its value) per line; words quoted only where the shell would read them otherwise.
  const word = (w: string) => (/^[A-Za-z0-9._/=:@%+-]+$/.test(w) ? w : shQuote(w));
  const command = certbotArgs(web).reduce<string[]>((acc, w) => {
    if (acc.length === 0 || w.startsWith("--")) acc.push(word(w));
    else acc[acc.length - 1] += ` ${word(w)}`;
    return acc;
  }, []);
  const failed = `fullstack-tls: no certificate for ${web.serverNames.join(", ")} yet; nginx keeps serving HTTP, the next attempt is within ${ISSUE_RETRY_MINUTES} minutes (${TLS_ISSUE_UNIT}.timer)`;
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: gets the site's certificate over HTTP-01 (certbot --webroot: nginx serves",
    "# the challenge tokens, certbot only writes files), then has nginx serve HTTPS. Safe to run again.",
    `# ${TLS_ISSUE_UNIT}.timer runs it every ${ISSUE_RETRY_MINUTES} minutes until it succeeds; a failure leaves nginx serving HTTP.`,
    "set -eu",
    `if [ ! -s ${shQuote(cert.fullchain)} ]; then`,
    `  install -d -m 0755 ${shQuote(ACME_WEBROOT)}`,
    "  # Given on this first run, the webroot, the CA and the deploy hook are kept in the certificate's",
    `  # renewal config (${LETSENCRYPT_DIR}/renewal/), which certbot.timer's \`certbot renew\` reuses.`,
    `  if ! ${command.join(" \\\n      ")}; then`,
    `    echo ${shQuote(failed)} >&2`,
    "    exit 1",
    "  fi",
    "fi",
    `exec ${TLS_DEPLOY_HOOK}`,
  );
}

/**
 * certbot's deploy hook (run after every issuance and renewal, with RENEWED_LINEAGE set), also run by the
 * issue script: the first time, the HTTPS site replaces the HTTP one (put back if nginx refuses it, so
 * nginx always has a site it accepts); after a renewal, nginx reloads to pick up the new certificate.
 */
export function renderDeployHook(app: AppSpec, web: WebSpec): string {
  const site = nginxSitePaths(app.name);
  const cert = certificatePaths(certName(web));
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: nginx serves the site's current certificate over HTTPS. certbot runs",
    "# this after it issues or renews the certificate (--deploy-hook, kept in the renewal config).",
    "set -eu",
    `cert=${shQuote(cert.fullchain)}`,
    `http_site=${shQuote(site.available)}`,
    `https_site=${shQuote(site.https)}`,
    `enabled=${shQuote(site.enabled)}`,
    'if [ ! -s "$cert" ]; then',
    '  echo "fullstack-tls: no certificate at $cert" >&2',
    "  exit 1",
    "fi",
    "switched=0",
    'if [ "$(readlink "$enabled" || true)" != "$https_site" ]; then',
    '  ln -sfn "$https_site" "$enabled"',
    "  switched=1",
    'elif [ -z "${RENEWED_LINEAGE:-}" ]; then',
    "  # HTTPS is on and the certificate did not change: nothing to do.",
    "  exit 0",
    "fi",
    "if ! nginx -t -q; then",
    '  if [ "$switched" = 1 ]; then',
    '    ln -sfn "$http_site" "$enabled"',
    '    echo "fullstack-tls: nginx refuses the HTTPS site; the HTTP site stays in place" >&2',
    "  fi",
    "  exit 1",
    "fi",
    "systemctl reload nginx",
    'echo "fullstack-tls: nginx serves HTTPS with $cert"',
  );
}

export function renderIssueService(): string {
  return lines(
    "# Rendered by fullstack-pulumi.",
    "[Unit]",
    "Description=Get the site's TLS certificate and switch nginx to HTTPS",
    "Wants=network-online.target",
    "After=network-online.target nginx.service",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${TLS_ISSUE_SCRIPT}`,
  );
}

export function renderIssueTimer(): string {
  return lines(
    "# Rendered by fullstack-pulumi: retries until the server has its certificate (afterwards each run is a",
    "# quick no-op); renewals are certbot.timer's.",
    "[Unit]",
    "Description=Retry getting the site's TLS certificate",
    "",
    "[Timer]",
    `OnBootSec=${FIRST_RETRY_MINUTES}min`,
    `OnUnitInactiveSec=${ISSUE_RETRY_MINUTES}min`,
    "",
    "[Install]",
    "WantedBy=timers.target",
  );
}

/** The TLS role: the HTTPS site, the issue script and its timer, the deploy hook; the first attempt at boot. */
export function tlsRole(app: AppSpec, web: WebSpec): RolePart {
  if (!web.tls) throw new Error("the TLS role needs web.tls");
  return {
    packages: ["certbot"],
    writeFiles: [
      { path: nginxSitePaths(app.name).https, permissions: "0644", content: renderNginxHttpsSite(app, web) },
      { path: TLS_ISSUE_SCRIPT, permissions: "0755", content: renderIssueScript(web) },
      { path: TLS_DEPLOY_HOOK, permissions: "0755", content: renderDeployHook(app, web) },
      { path: `/etc/systemd/system/${TLS_ISSUE_UNIT}.service`, permissions: "0644", content: renderIssueService() },
      { path: `/etc/systemd/system/${TLS_ISSUE_UNIT}.timer`, permissions: "0644", content: renderIssueTimer() },
    ],
    runcmd: [
      ["install", "-d", "-m", "0755", ACME_WEBROOT],
      ["systemctl", "daemon-reload"],
      // Renewals: Debian's timer (`certbot -q renew`, twice a day), enabled by the package; made sure of here.
      ["systemctl", "enable", "--now", "certbot.timer"],
      ["systemctl", "enable", "--now", `${TLS_ISSUE_UNIT}.timer`],
      // The first attempt now, without holding up the boot (the app's first release runs meanwhile).
      ["systemctl", "start", "--no-block", `${TLS_ISSUE_UNIT}.service`],
    ],
  };
}
