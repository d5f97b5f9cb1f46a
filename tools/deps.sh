#!/bin/bash
# Install what building, running and testing sandboxd needs, from Debian
# packages. Idempotent; quiet unless something fails.
#
#   tools/deps.sh            build and run
#   tools/deps.sh --tests    ... and every test lane
#   tools/deps.sh --bench    ... and the peers and tools of bench/
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

# The peers and tools of bench/ (run.sh installs its own when missing;
# image.sh and network.sh only say what is missing).
BENCH_DEPS=(
        crun bubblewrap hyperfine jq gcc python3 nftables       # bench/run.sh: the peers
        golang-github-containers-common                         # bench/run.sh: Docker's seccomp profile
        podman skopeo docker-registry                           # bench/image.sh
        runc conmon containernetworking-plugins iptables        # bench/network.sh: podman's bridge network
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
