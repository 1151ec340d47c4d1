#!/usr/bin/env bash
# Builds the Debian 12 base image the server test boots: a debootstrap root filesystem turned into a raw
# ext4 disk image (no loop mounts), plus the kernel and initrd taken from it for qemu's -kernel/-initrd.
#
# Usage: build-image.sh OUT_DIR        (run as root; OUT_DIR must not exist yet)
#
# What is baked is what a cloud image has before its user data runs (systemd, cloud-init, SSH, sudo,
# locales) plus test wiring: Debian's builds of the sample app's Python dependencies, standing in for PyPI.
# Everything the rendered cloud-config asks for (nginx, git, python3-venv, ufw, PostgreSQL, Redis, ...)
# is NOT baked: the guest installs it from Debian's mirror at boot, as a real server does.
set -euo pipefail

out="${1:?usage: build-image.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
size="${VM_DISK_SIZE:-8G}"

[ "$(id -u)" = 0 ] || { echo "build-image: must run as root (debootstrap, chroot)" >&2; exit 1; }
[ ! -e "$out" ] || { echo "build-image: $out already exists" >&2; exit 1; }

# A cloud image's own packages. python3-cffi-backend: without it debootstrap fails on a virtual
# dependency of python3-cryptography (pulled in by cloud-init). eatmydata: recommended by cloud-init,
# which then wraps its apt-get runs in it (fewer fsyncs while installing the cloud-config's packages).
base_pkgs=(
  systemd-sysv udev dbus linux-image-cloud-amd64 initramfs-tools cloud-init ifupdown isc-dhcp-client
  iproute2 openssh-server sudo locales python3 python3-cffi-backend eatmydata
)
# Test wiring: the sample app's requirements as Debian builds them. gunicorn, rq and celery are installed
# only to pull in their dependencies, then removed and repackaged as wheels (see deb2wheel.py): pip has
# to install those three into the virtualenv itself, or .venv/bin/{gunicorn,rq,celery} would not exist.
app_pkgs=(python3-flask python3-psycopg2 python3-redis)
wheel_pkgs=(python3-gunicorn python3-rq python3-celery)

work="$out.tmp.$$"
rootfs="$work/rootfs"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work"

include="$(IFS=,; echo "${base_pkgs[*]},${app_pkgs[*]},${wheel_pkgs[*]}")"
echo "build-image: debootstrap bookworm ($mirror)"
debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  echo "build-image: debootstrap failed (log above)" >&2
  exit 1
}

echo "build-image: wheels for ${wheel_pkgs[*]}"
mkdir -p "$rootfs/opt/fullstack-test/wheels" "$rootfs/tmp/debs"
for pkg in "${wheel_pkgs[@]}"; do
  deb="$(ls "$rootfs"/var/cache/apt/archives/"${pkg}"_*.deb)"
  cp "$deb" "$rootfs/tmp/debs/"
done
cp "$here/deb2wheel.py" "$rootfs/tmp/deb2wheel.py"
chroot "$rootfs" dpkg --purge "${wheel_pkgs[@]}" >/dev/null
for deb in "$rootfs"/tmp/debs/*.deb; do
  x="$rootfs/tmp/x-$(basename "$deb" .deb)"
  dpkg-deb -x "$deb" "$x"
  chroot "$rootfs" python3 /tmp/deb2wheel.py "/${x#"$rootfs"/}" /opt/fullstack-test/wheels
done
rm -rf "$rootfs"/tmp/debs "$rootfs"/tmp/x-* "$rootfs/tmp/deb2wheel.py"
# A PEP 503 simple index over the wheels: the deploy's pip reaches them as it reaches any package index,
# through fullstack:pipIndexUrl (file:///opt/fullstack-test/wheels/simple/).
python3 - "$rootfs/opt/fullstack-test/wheels" <<'PY'
import html, os, re, sys
wheels = sys.argv[1]
projects = {}
for f in sorted(os.listdir(wheels)):
    if f.endswith(".whl"):
        projects.setdefault(re.sub(r"[-_.]+", "-", f.split("-")[0]).lower(), []).append(f)
simple = os.path.join(wheels, "simple")
os.makedirs(simple, exist_ok=True)
def page(links):
    return "<!DOCTYPE html>\n<html><body>\n" + "".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>\n' for h, t in links) + "</body></html>\n"
with open(os.path.join(simple, "index.html"), "w") as out:
    out.write(page([(f"{p}/", p) for p in projects]))
for p, files in projects.items():
    os.makedirs(os.path.join(simple, p), exist_ok=True)
    with open(os.path.join(simple, p, "index.html"), "w") as out:
        out.write(page([(f"../../{f}", f) for f in files]))
PY
wheels="$(ls "$rootfs/opt/fullstack-test/wheels" | grep '\.whl$' | tr '\n' ' ')"

echo "build-image: configuring"
# Debian's locale-gen ignores its argument and cloud-init's locale step then fails: generate it here.
echo "en_US.UTF-8 UTF-8" > "$rootfs/etc/locale.gen"
chroot "$rootfs" locale-gen >/dev/null
echo "LANG=en_US.UTF-8" > "$rootfs/etc/default/locale"

echo "/dev/vda / ext4 errors=remount-ro 0 1" > "$rootfs/etc/fstab"
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > "$rootfs/etc/network/interfaces"
echo "localhost" > "$rootfs/etc/hostname"
cat > "$rootfs/etc/cloud/cloud.cfg.d/90-fullstack-test.cfg" <<'EOF'
# fullstack-pulumi server test: user data comes from the cidata seed disk only.
datasource_list: [NoCloud, None]
EOF

# A fresh machine: no identity, no host keys, no package lists (cloud-config's package_update fetches them).
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id" "$rootfs"/etc/ssh/ssh_host_*
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
rm -rf "$rootfs"/var/lib/cloud/* "$rootfs"/var/log/*.log

kernel="$(ls "$rootfs"/boot/vmlinuz-* | sort -V | tail -n 1)"
initrd="$(ls "$rootfs"/boot/initrd.img-* | sort -V | tail -n 1)"
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"

echo "build-image: mkfs.ext4 -d ($size)"
mkfs.ext4 -q -F -L root -d "$rootfs" "$work/base.raw" "$size"
rm -rf "$rootfs"
(
  echo "kernel=$(basename "$kernel")"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "wheels=$wheels"
) > "$work/image.info"
mv "$work" "$out"
trap - EXIT
echo "build-image: done: $out"
