/** The environment the library gives every process of the app, before the user's own values. */
import { appPaths, type AppSpec } from "./types";
import type { AppSettings } from "../settings";

export interface EnvironmentContext {
  /** Public host names; empty while the app is reached by IP address. */
  hostNames: string[];
  /** Whether clients reach the app over HTTPS (TLS at the load balancer). */
  https: boolean;
}

export function libraryEnvironment(app: AppSettings, ctx: EnvironmentContext): Record<string, string> {
  const p = appPaths(app.name);
  const env: Record<string, string> = {
    PYTHONUNBUFFERED: "1",
    STATIC_ROOT: p.staticRoot,
    MEDIA_ROOT: p.mediaRoot,
    // localhost is where nginx's /healthz proxy comes from.
    ALLOWED_HOSTS: ctx.hostNames.length > 0 ? [...ctx.hostNames, "localhost"].join(",") : "*",
  };
  if (ctx.hostNames.length > 0) {
    env.CSRF_TRUSTED_ORIGINS = ctx.hostNames.map((h) => `${ctx.https ? "https" : "http"}://${h}`).join(",");
  }
  if (app.framework === "django" && app.djangoSettingsModule) env.DJANGO_SETTINGS_MODULE = app.djangoSettingsModule;
  if (app.framework === "flask") env.FLASK_APP = app.wsgiApp.split(":")[0];
  return env;
}

/** Library values, then the user's appEnv, then component-provided values (connection URLs, secrets). */
export function buildAppSpec(app: AppSettings, gunicornVersion: string, ctx: EnvironmentContext,
  extra: Readonly<Record<string, string>> = {}): AppSpec {
  return { ...app, gunicornVersion, environment: { ...libraryEnvironment(app, ctx), ...app.env, ...extra } };
}
