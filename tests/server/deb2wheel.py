"""Repackages a pure-Python Debian package, extracted with `dpkg-deb -x`, as a wheel.

Usage: python3 deb2wheel.py EXTRACTED_DEB_DIR WHEEL_DIR

Test wiring for the server test only: the guest has no PyPI, so pip installs gunicorn, rq and celery from
wheels made from Debian's own builds. A wheel (unlike the Debian package) makes pip write the console
scripts (.venv/bin/gunicorn, rq, celery) that the rendered systemd units run. Dependencies listed
unconditionally in the egg-info become Requires-Dist; the rest come from Debian's packages that the
virtualenv sees through --system-site-packages.
"""
import base64
import hashlib
import os
import sys
import zipfile
from email.parser import Parser

SITE = "usr/lib/python3/dist-packages"


def main(src, dest):
    site = os.path.join(src, SITE)
    infos = [n for n in os.listdir(site) if n.endswith((".egg-info", ".dist-info"))]
    if len(infos) != 1:
        sys.exit(f"deb2wheel: expected one egg-info/dist-info in {site}, found {infos}")
    info = os.path.join(site, infos[0])
    if os.path.isfile(info):  # a single-file PKG-INFO
        meta_text, info_dir = open(info, encoding="utf-8").read(), None
    else:
        meta_name = "PKG-INFO" if infos[0].endswith(".egg-info") else "METADATA"
        meta_text, info_dir = open(os.path.join(info, meta_name), encoding="utf-8").read(), info
    meta = Parser().parsestr(meta_text)
    name, version = meta["Name"], meta["Version"]
    dist = name.replace("-", "_")
    dist_info = f"{dist}-{version}.dist-info"

    requires = []
    if info_dir and os.path.exists(os.path.join(info_dir, "requires.txt")):
        for line in open(os.path.join(info_dir, "requires.txt"), encoding="utf-8"):
            line = line.strip()
            if line.startswith("["):
                break  # extras and markers follow; the unconditional requirements come first
            if line:
                requires.append(line)
    if "Requires-Dist" not in meta:
        meta_text = meta_text.rstrip("\n") + "\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)

    files = []  # (arcname, bytes)
    for entry in sorted(os.listdir(site)):
        if entry == infos[0]:
            continue
        top = os.path.join(site, entry)
        for path in walk(top):
            data = read_resolving(src, path)
            if data is None:
                print(f"deb2wheel: skipping dangling link {path}", file=sys.stderr)
                continue
            files.append((os.path.relpath(path, site), data))
    files.append((f"{dist_info}/METADATA", meta_text.encode()))
    files.append((f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: fullstack-pulumi deb2wheel\n"
                  b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    files.append((f"{dist_info}/INSTALLER", b"deb2wheel\n"))
    for extra in ("entry_points.txt", "top_level.txt"):
        if info_dir and os.path.exists(os.path.join(info_dir, extra)):
            files.append((f"{dist_info}/{extra}", open(os.path.join(info_dir, extra), "rb").read()))

    record = "".join(f"{arc},sha256={digest(data)},{len(data)}\n" for arc, data in files)
    record += f"{dist_info}/RECORD,,\n"
    wheel = os.path.join(dest, f"{dist}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in files:
            zf.writestr(arc, data)
        zf.writestr(f"{dist_info}/RECORD", record)
    print(f"deb2wheel: {wheel} ({len(files)} files)")


def walk(top):
    if os.path.isdir(top) and not os.path.islink(top):
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for n in names:
                yield os.path.join(root, n)
    else:
        yield top


def read_resolving(root, path):
    """File contents; absolute symlinks (Debian links shared files into /usr/share) resolve inside root."""
    for _ in range(20):
        if not os.path.islink(path):
            return open(path, "rb").read() if os.path.isfile(path) else None
        target = os.readlink(path)
        path = os.path.join(root, target.lstrip("/")) if target.startswith("/") else os.path.join(os.path.dirname(path), target)
    return None


def digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
