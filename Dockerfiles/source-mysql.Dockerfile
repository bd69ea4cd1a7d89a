# Image for the MySQL/MariaDB source connector.
#
# Build (no Docker engine needed; the base image comes from
# scripts/build-base-image.sh):
#   scripts/build-base-image.sh
#   buildah bud --isolation chroot --pull-never \
#       -f Dockerfiles/source-mysql.Dockerfile -t thothtech/source-mysql:0.1.0 .
# (chroot isolation: the OCI runtime cannot create containers on hosts with
# hybrid cgroups; RUN steps then share the host network.)
# Smoke test: scripts/image-smoke.sh thothtech/source-mysql:0.1.0 CONFIG CATALOG
#
# io.airbyte.version must equal dockerImageTag in
# connectors/source-mysql/metadata.yaml (scripts/image-smoke.sh checks it).

FROM debian:bookworm-slim AS build

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends \
        build-essential cmake pkg-config \
        libmariadb-dev libjansson-dev libssl-dev \
        libcurl4-openssl-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*

COPY . /src
WORKDIR /src
# Unit tests (cmocka) run in CI, not in the image build.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DAB_TESTS=OFF \
    && cmake --build /build --target source-mysql --parallel 2 \
    && strip --strip-unneeded /build/bin/source-mysql

FROM debian:bookworm-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends \
        libmariadb3 libjansson4 libssl3 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

# The platform may run connectors rootless as uid/gid 1000; it expects a
# system user named airbyte and a writable /airbyte.
RUN groupadd --system --gid 1000 airbyte \
    && useradd --system --uid 1000 --gid 1000 --no-create-home \
        --home-dir /airbyte --shell /usr/sbin/nologin airbyte \
    && mkdir -p /airbyte/bin \
    && chown -R airbyte:airbyte /airbyte

COPY --from=build /build/bin/source-mysql /airbyte/bin/source-mysql
# Fail the build if a shared library the binary needs is missing here.
RUN ! ldd /airbyte/bin/source-mysql | grep -F 'not found'

LABEL io.airbyte.name=thothtech/source-mysql \
      io.airbyte.version=0.1.0

# Must equal the space-joined ENTRYPOINT: the platform runs
# sh -c "$AIRBYTE_ENTRYPOINT <command>" and CAT compares the two.
ENV AIRBYTE_ENTRYPOINT="/airbyte/bin/source-mysql"
ENTRYPOINT ["/airbyte/bin/source-mysql"]

USER airbyte
WORKDIR /airbyte
