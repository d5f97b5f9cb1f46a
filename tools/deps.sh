#!/bin/bash
# Install what building, running and testing sandboxd needs, from Debian
# packages. Idempotent; quiet unless something fails.
set -euo pipefail

BUILD_DEPS=(
        gcc clang meson ninja-build pkg-config
        libsystemd-dev libseccomp-dev libcap-dev libinih-dev libmount-dev
        libjson-c-dev libarchive-dev libcurl4-openssl-dev
        libmnl-dev libnftables-dev              # Network=private (src/net)
        musl-tools
        libclang-rt-14-dev
)
RUNTIME_DEPS=(
        busybox-static iproute2 util-linux procps
        libmnl0 libnftables1                    # Network=private; libnftables is dlopen()ed
        libsystemd0                             # dlopen()ed: sd-bus, sd-event, the journal
)
TEST_DEPS=(
        python3                                 # tools/test.sh, the shell tests' JSON checks
        nftables curl                           # test-network: inspect the table, HTTP through published ports
        man-db groff-base zsh fish              # unit: man pages, completions
        cppcheck                                # static
        qemu-system-x86 linux-image-amd64 kmod  # vm
        mmdebstrap                              # testhost, vm-sandboxd
        docker-registry openssl                 # integration: registries on loopback
        umoci skopeo                            # integration: test-oci builds OCI images offline
        git                                     # unit: policy show --since (test-policy-review)
        strace                                  # integration: test-image sees which files a compile reads
)

# The peers and tools of bench/run.sh and bench/image.sh (run.sh installs
# its own when missing; image.sh only says what is missing).
BENCH_DEPS=(
        crun bubblewrap hyperfine jq gcc python3
        golang-github-containers-common         # Docker's default seccomp profile
        podman skopeo docker-registry           # bench/image.sh
)

want=("${BUILD_DEPS[@]}" "${RUNTIME_DEPS[@]}")
for a in "$@"; do
        case $a in
        --tests) want+=("${TEST_DEPS[@]}") ;;
        --bench) want+=("${BENCH_DEPS[@]}") ;;
        *) echo "usage: $0 [--tests] [--bench]" >&2; exit 2 ;;
        esac
done

missing=()
for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
