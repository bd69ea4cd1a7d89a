#!/usr/bin/env bash
# Build the local base image debian:bookworm-slim from Debian packages,
# without a registry or a Docker engine: debootstrap a minbase rootfs, trim
# it the way the official slim image is trimmed, and commit it with buildah.
#
# Usage: scripts/build-base-image.sh [--force]
#   --force   rebuild even if the image is already in local storage.
#
# Environment:
#   BASE_IMAGE        name to commit (default localhost/debian:bookworm-slim)
#   DEBIAN_MIRROR     Debian mirror (default: the one apt uses on this host,
#                     else http://deb.debian.org/debian)
#   BUILDAH_ISOLATION isolation for buildah run/bud (default chroot: works
#                     as root inside a VM or container without a full OCI
#                     runtime setup)
#   STORAGE_DRIVER    buildah storage driver (default: buildah's own, i.e.
#                     overlay; set vfs where overlay cannot be mounted, and
#                     use the same value for every buildah command)
#
# Idempotent: does nothing when the image exists. Needs root, debootstrap
# and buildah (Debian packages debootstrap, buildah).

set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/debian:bookworm-slim}
SUITE=bookworm
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

force=0
case "${1:-}" in
--force) force=1 ;;
"") ;;
*)
    echo "usage: $0 [--force]" >&2
    exit 2
    ;;
esac

log() {
    printf '[base-image] %s\n' "$*"
}

# The first Debian main-archive URI that apt uses on this host, so the image
# is built from the same (possibly snapshot or proxied) mirror.
host_mirror() {
    local uri
    uri=$(awk '
        /^URIs:/ { for (i = 2; i <= NF; i++) print $i }
        /^deb[ \t]/ { for (i = 2; i <= NF; i++)
                          if ($i ~ /^[a-z]+:\/\//) { print $i; break } }
        ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
        2>/dev/null | grep -E '/debian/?$' | head -n 1 || true)
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

for tool in buildah debootstrap; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "missing $tool: apt-get install -y $tool" >&2
        exit 1
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (debootstrap and buildah mount need it)" >&2
    exit 1
fi

if [ $force -eq 0 ] &&
    buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    log "$BASE_IMAGE already present"
    exit 0
fi

MIRROR=${DEBIAN_MIRROR:-$(host_mirror)}
SECURITY_MIRROR=${MIRROR%/debian}/debian-security
work=$(mktemp -d /var/tmp/ab-base-image.XXXXXX)
ctr=""
cleanup() {
    if [ -n "$ctr" ]; then
        buildah rm "$ctr" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

rootfs=$work/rootfs
log "debootstrap --variant=minbase $SUITE from $MIRROR"
start=$(date +%s)
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
}
log "debootstrap took $(($(date +%s) - start)) s"

# Same trimming as the official slim images: no docs (except copyright),
# man pages or translations, no apt caches, no host-specific files.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
cat >"$rootfs/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright \
    -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/groff/* \
    "$rootfs"/usr/share/lintian/* \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
    "$rootfs"/dev/* "$rootfs"/tmp/* "$rootfs"/run/*
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/machine-id"
mkdir -p "$rootfs/var/lib/apt/lists/partial"

log "importing rootfs ($(du -sh "$rootfs" | cut -f1)) into buildah"
start=$(date +%s)
ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
# tar keeps owners, modes and setuid bits (buildah copy would chown to 0:0).
tar -C "$rootfs" --numeric-owner -cf - . |
    tar -C "$mnt" --numeric-owner -xpf -
buildah umount "$ctr" >/dev/null
buildah config \
    --os linux --arch "$(dpkg --print-architecture)" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd '["bash"]' \
    "$ctr"
buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
ctr=""
log "committed $BASE_IMAGE in $(($(date +%s) - start)) s"
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$BASE_IMAGE"
