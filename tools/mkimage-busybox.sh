#!/bin/bash
# Build the demo root image: Debian's static busybox, its applet links, a
# few users, a web page, and the static sandbox-probe that the tests run
# inside sandboxes. Idempotent, no network, well under a second.
#
#   tools/mkimage-busybox.sh [--probe PATH] [DEST]
#
# DEST defaults to /var/lib/sandboxd/images/busybox (units/*.unit use it).
# The probe is taken from --probe, else $SANDBOX_PROBE, else compiled from
# tests/probe/*.c with `gcc -static` (rebuilt only when a source is newer);
# without gcc and without a probe the image is made without it.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}
PROBE=${SANDBOX_PROBE:-}

while [ $# -gt 0 ]; do
        case $1 in
        --probe) PROBE=$2; shift 2 ;;
        --probe=*) PROBE=${1#*=}; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "mkimage-busybox: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
DEST=${1:-/var/lib/sandboxd/images/busybox}

die() { echo "mkimage-busybox: $*" >&2; exit 1; }

[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would need the host's libraries in the image.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
        die "$BUSYBOX is dynamically linked; install busybox-static"
fi

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
[ "$DEST" != / ] || die "refusing to build an image over /"

# Writes a file only when its content changes, so that a rebuilt image
# keeps its timestamps and a running sandbox sees no churn.
put() {  # mode path  (content on stdin)
        local mode=$1 path=$DEST/$2 tmp
        tmp=$(mktemp "$DEST/.mkimage.XXXXXX")
        cat >"$tmp"
        chmod "$mode" "$tmp"
        if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
                rm -f "$tmp"
        else
                mv -f "$tmp" "$path"
        fi
}

for d in bin sbin usr/bin usr/sbin etc root tmp var/www var/tmp proc dev sys run mnt srv home; do
        mkdir -p "$DEST/$d"
done
chmod 1777 "$DEST/tmp" "$DEST/var/tmp"
chmod 0700 "$DEST/root"

put 0755 bin/busybox <"$BUSYBOX"

# Every applet at the path busybox itself names (bin/sh, usr/bin/wget,
# usr/sbin/httpd ...) and also in bin/, as `busybox --install -s DEST/bin`
# would put it (units say /bin/httpd): symlinks to /bin/busybox inside the
# image. Only missing links are made, so a rebuild forks nothing.
declare -A have=()
while IFS= read -r l; do
        have[${l#./}]=1
done < <(cd "$DEST" && find . -type l -lname /bin/busybox)
missing=()
while IFS= read -r applet; do
        for path in "$applet" "bin/${applet##*/}"; do
                [ "$path" = bin/busybox ] && continue
                [ -n "${have[$path]:-}" ] && continue
                have[$path]=1
                missing+=("$path")
        done
done < <("$BUSYBOX" --list-full)
for path in "${missing[@]}"; do
        rm -rf "${DEST:?}/$path"
        ln -s /bin/busybox "$DEST/$path"
done

put 0644 etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
www:x:33:33:web server:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
put 0644 etc/group <<'EOF'
root:x:0:
adm:x:4:
www:x:33:
users:x:100:
nogroup:x:65534:
EOF
put 0644 etc/hostname <<<'sandbox'
put 0644 etc/hosts <<'EOF'
127.0.0.1	localhost
::1	localhost
EOF
put 0644 etc/os-release <<'EOF'
NAME="sandboxd busybox demo image"
ID=sandboxd-busybox
EOF
put 0644 var/www/index.html <<<'hello from sandboxd'

# The probe: static, so it needs nothing else from the image.
if [ -z "$PROBE" ]; then
        probe_src=("$SRC"/tests/probe/*.c)
        if [ -e "${probe_src[0]}" ] && command -v gcc >/dev/null; then
                PROBE=$DEST/usr/bin/sandbox-probe
                stale=0
                [ -x "$PROBE" ] || stale=1
                for f in "${probe_src[@]}" "$SRC"/tests/probe/*.h; do
                        [ "$f" -nt "$PROBE" ] && stale=1
                done
                if [ $stale = 1 ]; then
                        gcc -std=gnu11 -O2 -D_GNU_SOURCE -static -o "$PROBE.tmp" "${probe_src[@]}" ||
                                die "cannot compile the probe"
                        mv -f "$PROBE.tmp" "$PROBE"
                fi
        else
                echo "mkimage-busybox: no probe (no gcc or no tests/probe); image made without it" >&2
        fi
fi
if [ -n "$PROBE" ] && [ "$PROBE" != "$DEST/usr/bin/sandbox-probe" ]; then
        [ -x "$PROBE" ] || die "probe $PROBE not found"
        ldd "$PROBE" >/dev/null 2>&1 && die "probe $PROBE is not static"
        put 0755 usr/bin/sandbox-probe <"$PROBE"
fi

echo "$DEST"
