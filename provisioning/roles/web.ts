/**
 * The web role: nginx in front of gunicorn, the app from git in a virtualenv, its environment in a
 * 0600 file, and the first release run at boot.
 */
import { renderDeployConf, renderDeployScript, renderMigrateScript } from "../deploy";
import { renderAdminEnv, renderAppGrantSql, renderGrantScript } from "../postgresGrants";
import { renderGunicornConfig, renderGunicornService, renderGunicornSocket } from "../gunicorn";
import { renderNginxSite } from "../nginx";
import { renderEnvFile } from "../text";
import { appPaths, type AppSpec, type RolePart, type WebSpec } from "../types";

/** The app's Unix user, files and deploy script: shared by every role that runs the app's code. */
export function appRole(app: AppSpec, units: { sockets: string[]; services: string[] }): RolePart {
  const p = appPaths(app.name);
  const grant = app.dbGrant && app.runMigrations !== false ? app.dbGrant : undefined;
  return {
    // libpq-dev: psycopg2 builds from source under pip. postgresql-client: psql for the grant script.
    packages: ["git", "python3", "python3-venv", "python3-dev", "build-essential", "libpq-dev", ...(grant ? ["postgresql-client"] : [])],
    users: [{ name: app.name, system: true, homedir: p.root, shell: "/usr/sbin/nologin", lock_passwd: true }],
    writeFiles: [
      { path: p.envFile, permissions: "0600", owner: "root:root", content: renderEnvFile(app.environment, "Rendered by fullstack-pulumi: the app's environment. Secret: keep 0600."), secret: true },
      ...(app.pipIndexUrl ? [{
        path: p.pipEnvFile, permissions: "0600", owner: "root:root", secret: true,
        content: renderEnvFile({ PIP_INDEX_URL: app.pipIndexUrl }, "Rendered by fullstack-pulumi: the deploy's pip settings. Secret: keep 0600."),
      }] : []),
      { path: p.deployConf, permissions: "0644", content: renderDeployConf(app, units) },
      { path: p.deployScript, permissions: "0755", content: renderDeployScript(app) },
      ...(app.framework === "django" ? [{ path: p.migrateScript, permissions: "0644", content: renderMigrateScript(app) }] : []),
      // Only the server that migrates holds the admin's connection, root-only; the app never reads it.
      ...(grant ? [
        { path: p.dbAdminEnv, permissions: "0600", owner: "root:root", content: renderAdminEnv(grant.admin), secret: true },
        { path: p.dbGrantSql, permissions: "0644", content: renderAppGrantSql(grant) },
        { path: p.dbGrantScript, permissions: "0755", content: renderGrantScript({ adminEnvFile: p.dbAdminEnv, sqlFile: p.dbGrantSql }) },
      ] : []),
    ],
    // The first release runs last, once every role has written its units.
    runcmd: [],
  };
}

export function webRole(app: AppSpec, web: WebSpec): RolePart {
  const p = appPaths(app.name);
  return {
    packages: ["nginx"],
    writeFiles: [
      { path: p.gunicornConf, permissions: "0644", content: renderGunicornConfig(app, web) },
      { path: `/etc/systemd/system/${p.gunicornUnit}.socket`, permissions: "0644", content: renderGunicornSocket(app) },
      { path: `/etc/systemd/system/${p.gunicornUnit}.service`, permissions: "0644", content: renderGunicornService(app, web) },
      { path: `/etc/nginx/sites-available/${app.name}.conf`, permissions: "0644", content: renderNginxSite(app, web) },
    ],
    runcmd: [
      ["rm", "-f", "/etc/nginx/sites-enabled/default"],
      ["ln", "-sfn", `/etc/nginx/sites-available/${app.name}.conf`, `/etc/nginx/sites-enabled/${app.name}.conf`],
      ["systemctl", "daemon-reload"],
      ["sh", "-c", "nginx -t && systemctl reload nginx"],
    ],
  };
}

export function webUnits(appName: string): { sockets: string[]; services: string[] } {
  const p = appPaths(appName);
  return { sockets: [`${p.gunicornUnit}.socket`], services: [`${p.gunicornUnit}.service`] };
}
