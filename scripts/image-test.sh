#!/usr/bin/env bash
# Builds the connector images with buildah (base image from debootstrap
# first, when it is missing) and smoke-tests each one: spec, check,
# discover and read run inside the image, as the platform runs them,
# against a throwaway MariaDB loaded with generated OnTrack data.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

image=thothtech/source-mysql:0.1.0

bash scripts/build-base-image.sh
t0=$(date +%s)
buildah bud --quiet --isolation "$BUILDAH_ISOLATION" --pull-never \
    -f Dockerfiles/source-mysql.Dockerfile -t "$image" . >/dev/null
echo "image $image built in $(($(date +%s) - t0)) s"

.venv/bin/python scripts/image_test.py "$image"
