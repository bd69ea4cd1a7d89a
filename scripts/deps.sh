#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the demo need.
# Idempotent: when every package is already installed it does nothing, so
# the README's commands stay fast on a prepared machine.
set -euo pipefail

packages=(
    build-essential cmake pkg-config clang clang-format clang-tidy
    cppcheck pmccabe time
    libmariadb-dev libjansson-dev libssl-dev libcmocka-dev
    libcurl4-openssl-dev libpq-dev
    mariadb-server mariadb-client openssl
    buildah debootstrap
    python3 python3-venv
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
        | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
