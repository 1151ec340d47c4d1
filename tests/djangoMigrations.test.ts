/**
 * A rollback past a migration: the deploy script asks Django's own migration loader (Debian's Django,
 * through `manage.py shell -c`, as the deploy runs it) which applied migrations the release's code does
 * not have, and says so. Run for real against a SQLite database: the newer release applies 0002, the
 * older release's code (0001 only) is told about it, the newer one is not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DJANGO_UNKNOWN_MIGRATIONS } from "../provisioning/deploy";

let dir: string;

const MIGRATION_1 = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key=True))])]
`;

const MIGRATION_2 = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddField(model_name="order", name="note", field=models.TextField(default=""))]
`;

/** A release directory of a tiny Django project whose migrations are `migrations`. */
function release(name: string, migrations: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(join(root, "shop", "migrations"), { recursive: true });
  writeFileSync(join(root, "manage.py"), [
    "import os, sys",
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")',
    "from django.core.management import execute_from_command_line",
    "execute_from_command_line(sys.argv)",
    "",
  ].join("\n"));
  writeFileSync(join(root, "settings.py"), [
    'SECRET_KEY = "test"',
    'INSTALLED_APPS = ["shop"]',
    `DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ${JSON.stringify(join(dir, "db.sqlite3"))}}}`,
    'DEFAULT_AUTO_FIELD = "django.db.models.AutoField"',
    "USE_TZ = True",
    "",
  ].join("\n"));
  writeFileSync(join(root, "shop", "__init__.py"), "");
  writeFileSync(join(root, "shop", "models.py"), "");
  writeFileSync(join(root, "shop", "migrations", "__init__.py"), "");
  for (const [file, content] of Object.entries(migrations)) writeFileSync(join(root, "shop", "migrations", file), content);
  return root;
}

function manage(root: string, ...args: string[]): { code: number; out: string } {
  const r = spawnSync("/usr/bin/python3", ["manage.py", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fullstack-django-migrations-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("names the migrations the database has and an older release does not know, and none for the release that has them", () => {
  const newer = release("newer", { "0001_initial.py": MIGRATION_1, "0002_order_note.py": MIGRATION_2 });
  const older = release("older", { "0001_initial.py": MIGRATION_1 });
  expect(manage(newer, "migrate", "--noinput").code).toBe(0);
  const fromOlder = manage(older, "shell", "-c", DJANGO_UNKNOWN_MIGRATIONS);
  expect(fromOlder).toEqual({ code: 0, out: "shop.0002_order_note\n" });
  const fromNewer = manage(newer, "shell", "-c", DJANGO_UNKNOWN_MIGRATIONS);
  expect(fromNewer).toEqual({ code: 0, out: "\n" });
});
