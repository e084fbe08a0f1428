#!/usr/bin/env bash
# tools/wine10.sh — prepare Wine 10 (Debian trixie) for `kernelsim live --wine`, as root.
#
# Builds a minimal Debian trixie chroot with debootstrap (about 50 s, 214 MB), installs wine64
# inside it (about 60 s; 1.4 GB in all) and writes two wrappers, wine64 and wineserver, that run
# Wine 10 inside the chroot.  Each wrapper enters a private mount namespace, mounts /proc, binds
# /dev (with /dev/pts and /dev/shm) and binds the kernelsim cache (the Wine prefix and probe.exe)
# at the same path inside the chroot, so paths match and nothing stays mounted on the host.
#
# Idempotent: a second run reuses the chroot and only rewrites the wrappers.  The chroot lives
# outside any clone (default /var/cache/kernelsim/wine10; set KERNELSIM_WINE10_DIR to move it) so
# that later CI runs reuse it.  The last line of output is the launcher's path:
#
#     kernelsim live lifo-wakeup --wine "$(sudo tools/wine10.sh | tail -n 1)" --profile windows
#
# Exit 2, with one line saying what is missing and the command that fixes it, when it cannot run.
set -euo pipefail

DIR=${KERNELSIM_WINE10_DIR:-/var/cache/kernelsim/wine10}
ROOT=$DIR/root
BIN=$DIR/bin
SUITE=trixie

fail() {   # one line: what is missing and the command that fixes it
    echo "wine10.sh: $1" >&2
    exit 2
}

step_started=0
step() {
    step_started=$SECONDS
    echo "wine10: $*" >&2
}
done_step() {
    echo "wine10:   done in $((SECONDS - step_started)) s" >&2
}

# A run of a long command with an elapsed-time bar on a terminal (quiet otherwise).
with_bar() {
    local expected=$1 log=$2
    shift 2
    if [ -t 2 ]; then
        "$@" >"$log" 2>&1 &
        local pid=$! width=30
        while kill -0 "$pid" 2>/dev/null; do
            local spent=$((SECONDS - step_started)) filled
            filled=$((spent * width / expected))
            [ "$filled" -gt "$width" ] && filled=$width
            printf '\r  [%-*s] %3d s of about %d s' "$width" "$(printf '%*s' "$filled" '' | tr ' ' '#')" \
                "$spent" "$expected" >&2
            sleep 1
        done
        printf '\r%*s\r' 60 '' >&2
        wait "$pid"
    else
        "$@" >"$log" 2>&1
    fi
}

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot and mounts); run: sudo $0"
for tool in unshare chroot mount; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing; run: apt-get install -y util-linux coreutils mount"
done

mirror() {   # the host's Debian mirror if it has one, else deb.debian.org
    local uri
    uri=$(grep -rhoE '(URIs:|deb) +https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
          | grep -v security | head -n 1 | awk '{print $2}') || true
    echo "${uri:-http://deb.debian.org/debian}"
}

no_mounts_under() {   # true when nothing is mounted below $1 (safe to delete)
    ! awk '{print $2}' /proc/mounts | grep -q "^$1"
}

mkdir -p "$DIR" "$BIN"
exec 9>"$DIR/.lock"
flock 9                      # two set-ups at once: the second waits and then finds it done

# 1. the chroot
if [ ! -f "$ROOT/.kernelsim-debootstrap" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        step "installing debootstrap"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap) >/dev/null 2>&1 \
            || fail "debootstrap is missing and could not be installed; run: apt-get install -y debootstrap"
        done_step
    fi
    if [ -e "$ROOT" ]; then
        no_mounts_under "$ROOT" || fail "$ROOT has mounts left from an interrupted set-up; run: umount -R $ROOT"
        rm -rf "$ROOT"
    fi
    MIRROR=$(mirror)
    step "debootstrap --variant=minbase $SUITE $ROOT $MIRROR (about 50 s, 214 MB)"
    # A private mount namespace: the mounts debootstrap makes inside the target vanish with it.
    if ! with_bar 50 "$DIR/debootstrap.log" unshare -m debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"; then
        fail "debootstrap $SUITE from $MIRROR failed (log: $DIR/debootstrap.log); check the network and run: sudo $0"
    fi
    touch "$ROOT/.kernelsim-debootstrap"
    done_step
fi

# 2. Wine 10 inside it
find_in_root() {
    for c in "$@"; do
        if [ -x "$ROOT$c" ]; then echo "$c"; return 0; fi
    done
    return 1
}
if ! find_in_root /usr/lib/wine/wine64 /usr/lib/wine/wine >/dev/null; then
    step "apt-get install --no-install-recommends wine64 inside the chroot (about 60 s, 1.2 GB)"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
    if ! with_bar 60 "$DIR/apt.log" unshare -m sh -c "
            mount -t proc proc '$ROOT/proc' && mount --rbind /dev '$ROOT/dev' &&
            chroot '$ROOT' sh -c 'apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 &&
                apt-get clean'"; then
        fail "installing wine64 in the $SUITE chroot failed (log: $DIR/apt.log); check the network and run: sudo $0"
    fi
    done_step
fi
WINE=$(find_in_root /usr/lib/wine/wine64 /usr/lib/wine/wine) \
    || fail "no wine64 binary in $ROOT after the install (log: $DIR/apt.log); run: rm -rf $ROOT && sudo $0"
SERVER=$(find_in_root /usr/lib/wine/wineserver /usr/lib/wine/wineserver64) \
    || fail "no wineserver in $ROOT after the install (log: $DIR/apt.log); run: rm -rf $ROOT && sudo $0"

# 3. the wrappers
cat >"$BIN/enter" <<EOF
#!/bin/sh
# kernelsim (tools/wine10.sh): run a program of the $SUITE chroot with host paths that match.
# Called by the wine64/wineserver wrappers inside a private mount namespace (unshare -m), so the
# mounts below end with the program and never stay on the host.
set -e
ROOT='$ROOT'
mount -t proc proc "\$ROOT/proc"
mount --rbind /dev "\$ROOT/dev"
bind() {   # a host directory at the same path inside the chroot
    case "\$1" in
        ""|/|/usr|/usr/*|/etc|/etc/*|/lib*|/bin|/bin/*|/sbin|/sbin/*|/proc*|/sys*|/dev*|'$DIR'*) return 0 ;;
    esac
    [ -d "\$1" ] || return 0
    mkdir -p "\$ROOT\$1"
    mount --bind "\$1" "\$ROOT\$1"
}
# The Wine prefix's parent (kernelsim's cache) and the folder of every absolute path argument.
[ -n "\${WINEPREFIX:-}" ] && bind "\$(dirname "\$WINEPREFIX")"
for arg in "\$@"; do
    case "\$arg" in /*) [ -e "\$arg" ] && bind "\$(dirname "\$arg")" ;; esac
done
exec chroot "\$ROOT" "\$@"
EOF
for pair in "wine64:$WINE" "wineserver:$SERVER"; do
    name=${pair%%:*}
    target=${pair#*:}
    cat >"$BIN/$name" <<EOF
#!/bin/sh
# kernelsim (tools/wine10.sh): Wine 10 ($SUITE chroot $ROOT) as if it were installed here.
exec unshare -m --propagation private '$BIN/enter' '$target' "\$@"
EOF
done
chmod 755 "$BIN/enter" "$BIN/wine64" "$BIN/wineserver"

version=$("$BIN/wine64" --version 2>/dev/null) || fail "the wrapper $BIN/wine64 does not run; run: rm -rf $DIR && sudo $0"
echo "wine10: $version ready in $ROOT ($(du -sh "$ROOT" 2>/dev/null | cut -f1))" >&2
echo "$BIN/wine64"
