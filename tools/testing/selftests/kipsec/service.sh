#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units, run the way systemd runs them, in a guest that has no
# systemd: the units are installed (make install-units, PREFIX=/usr) and
# their own ExecStartPre=, ExecStart= and ExecStop= lines are run, word for
# word, with /usr/sbin/ipsecd, /usr/sbin/ipsecctl and /etc/ipsec.conf
# mapped to the build tree and a file of the test's own:
#
#   - kipsec.ko unloaded, ipsecd.service's ExecStartPre (modprobe kipsec,
#     against a module tree holding the fresh kipsec.ko, depmod'ed) loads
#     it with its dependencies;
#   - kipsec.service's ExecStart before ipsecd is up fails, loading nothing
#     (why it is ordered after ipsecd.service);
#   - ipsecd.service is Type=notify: ExecStart with $NOTIFY_SOCKET sends
#     READY=1, and at that moment the control socket answers; with -s its
#     lines go to syslog (/dev/log, a socket of the test's), facility daemon;
#   - kipsec.service (oneshot, RemainAfterExit) loads the file: its flows,
#     its manual SAs and its ike rule, seen by ipsecctl -s all and counted
#     by kipsec_state;
#   - its ExecStop leaves no flow, SA or ike rule; SIGTERM (what systemd
#     sends ipsecd.service) ends ipsecd with status 0 after STOPPING=1,
#     its socket gone;
#   - ipsecd stopped first (killed while the rules are loaded): it takes
#     its own flows, and kipsec.service's ExecStop without ipsecd still
#     flushes the rest; then nothing holds the module (modprobe -r).
#
# Runs in a mount and network namespace of its own (tmpfs on /run, an
# overlay on /lib/modules/KVER).  Unloads the module: not concurrent.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

IPSECD=${IPSECD:-$top/userspace/ipsecd/ipsecd}
need "service" unshare modprobe depmod make python3 "$IPSECCTL" "$IPSECD" "$STATE" \
	"$KIPSEC_KO" || finish
if [ "${KIPSEC_SERVICE_NS:-}" != 1 ]; then
	exec env KIPSEC_SERVICE_NS=1 unshare --mount --net --propagation private bash "$0" "$@"
fi

work=$(mktemp -d)
pids=()
made_devlog=false
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	$made_devlog && umount /dev/log 2>/dev/null && rm -f /dev/log
	rm -rf "$work"
	load_module 2>/dev/null
}
trap cleanup EXIT
ip link set lo up

# ---- the units, installed as a package installs them ----

if ! make -s -C "$top/userspace" install-units DESTDIR="$work/root" PREFIX=/usr \
	>"$work/install.log" 2>&1; then
	not_ok "make install-units"
	detail <"$work/install.log"
	finish
fi
IPSECD_UNIT=$(find "$work/root" -name ipsecd.service)
KIPSEC_UNIT=$(find "$work/root" -name kipsec.service)
check "the units are installed" test -f "$IPSECD_UNIT" -a -f "$KIPSEC_UNIT" || finish

# unit_get UNIT KEY: the values of KEY= in UNIT's [Service] section, in order.
unit_get() {
	awk -v key="$2" '/^\[/ { sec = $0; next }
		sec == "[Service]" && index($0, key "=") == 1 { print substr($0, length(key) + 2) }' "$1"
}

# unit_argv LINE: the command of an Exec line as words in argv, the
# installed paths mapped to the build tree; ignore_fail for a "-" prefix.
# Fails on what this emulation does not interpret (quotes, specifiers,
# variables, other prefixes): the test must learn it first.
unit_argv() {
	local line=$1 w words bad="[%\$\";\\\\']"
	argv=() ignore_fail=false
	if [[ $line == -* ]]; then
		ignore_fail=true
		line=${line#-}
	fi
	[[ $line =~ $bad || $line =~ ^[@:+!] ]] && return 1
	read -ra words <<<"$line"
	for w in "${words[@]}"; do
		case $w in
		/usr/sbin/ipsecd) w=$IPSECD ;;
		/usr/sbin/ipsecctl) w=$IPSECCTL ;;
		/etc/ipsec.conf) w=$work/ipsec.conf ;;
		esac
		argv+=("$w")
	done
}

# run_exec NAME UNIT KEY: every KEY line of UNIT, in order, as systemd runs
# them: one that fails (without "-") fails the rest.
run_exec() {
	local name=$1 unit=$2 key=$3 line out rc
	while IFS= read -r line; do
		if ! unit_argv "$line"; then
			not_ok "$name: $key=$line: not understood by this test"
			return 1
		fi
		out=$("${argv[@]}" 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ] && ! $ignore_fail; then
			not_ok "$name: $key=$line"
			echo "#   exit $rc"
			printf '%s\n' "$out" | detail
			return 1
		fi
		ok "$name: $key=$line"
	done < <(unit_get "$unit" "$key")
}

check_eq "ipsecd.service is Type=notify" notify "$(unit_get "$IPSECD_UNIT" Type)"
check_eq "ipsecd.service stops by SIGTERM (no ExecStop=, no KillSignal=)" "" \
	"$(unit_get "$IPSECD_UNIT" ExecStop)$(unit_get "$IPSECD_UNIT" KillSignal)"
check_eq "kipsec.service is Type=oneshot, RemainAfterExit=yes" "oneshot yes" \
	"$(unit_get "$KIPSEC_UNIT" Type) $(unit_get "$KIPSEC_UNIT" RemainAfterExit)"
check_eq "ipsecd.service has one ExecStart" 1 "$(unit_get "$IPSECD_UNIT" ExecStart | wc -l)"

# ---- a world for the units: /run, a module tree, /dev/log ----

mount -t tmpfs -o mode=0755 tmpfs /run
# modprobe finds the fresh module where an install puts it.  A kernel of
# one's own (-K) has no module tree: an empty one.
kver=$(uname -r)
if [ -d "/lib/modules/$kver" ]; then
	mkdir -p "$work/mod-upper" "$work/mod-work"
	mount -t overlay overlay \
		-o "lowerdir=/lib/modules/$kver,upperdir=$work/mod-upper,workdir=$work/mod-work" \
		"/lib/modules/$kver"
else
	mount -t tmpfs tmpfs /lib/modules
fi
mkdir -p "/lib/modules/$kver/extra"
cp "$KIPSEC_KO" "/lib/modules/$kver/extra/kipsec.ko"
# depmod over the whole tree takes minutes under TCG: kipsec.ko and the
# modules it needs (what modprobe would load for them) are enough for
# depmod to write kipsec's dependencies, and for modprobe to follow them.
mapfile -t mods < <(echo "/lib/modules/$kver/extra/kipsec.ko"
	for dep in $(modinfo -F depends "$KIPSEC_KO" | tr ',' ' '); do
		modprobe --show-depends "$dep" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++')
check "depmod: kipsec.ko in extra/, with ${#mods[@]} modules" depmod "$kver" "${mods[@]}" || finish

# One listener for the two datagram sockets ipsecd talks to: the service
# manager's notify socket and syslog's /dev/log; each datagram a line.
[ -e /dev/log ] || { touch /dev/log && made_devlog=true; }
python3 -c '
import os, select, socket, sys
socks = {}
for path, out in zip(sys.argv[1::2], sys.argv[2::2]):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    socks[s] = open(out, "ab", buffering=0)
while True:
    for s in select.select(list(socks), [], [])[0]:
        socks[s].write(s.recv(65536).rstrip(b"\n") + b"\n")
' "$work/notify" "$work/notify.log" "$work/devlog" "$work/syslog.log" &
pids+=($!)
wait_until 30 test -S "$work/notify" -a -S "$work/devlog" || { not_ok "the listener"; finish; }
mount --bind "$work/devlog" /dev/log

# The configuration: a flow, a manual SA pair, a passive ike rule (which
# negotiates nothing; ipsecd installs its two flows).
K=0x000102030405060708090a0b0c0d0e0f10111213
cat >"$work/ipsec.conf" <<EOF
flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 enc aes-128-gcm enckey $K:$K
ike passive esp tunnel from 10.3.0.0/24 to 10.4.0.0/24 local 192.0.2.1 peer 192.0.2.2 \\
	main auth hmac-sha2-256 enc aes-128 group modp2048 quick enc aes-128-gcm \\
	psk "service-test-key"
EOF

dmesg_mark

# ---- start: ipsecd.service ----

rmmod kipsec 2>/dev/null
check_fails "kipsec.ko is not loaded before the units run" module_loaded || finish
run_exec ipsecd.service "$IPSECD_UNIT" ExecStartPre || finish
check "ExecStartPre loaded kipsec.ko" module_loaded || finish

# Ordering: the file has an ike rule, so kipsec.service cannot come first.
unit_argv "$(unit_get "$KIPSEC_UNIT" ExecStart)"
"${argv[@]}" >"$work/early" 2>&1
rc=$?
check_eq "kipsec.service before ipsecd: fails (exit 1)" 1 "$rc"
check "kipsec.service before ipsecd: says ipsecd is not running" \
	grep -q "ipsecd is not running" "$work/early"
check_eq "kipsec.service before ipsecd: nothing loaded" "sa 0 policy 0" "$(state_stats "")"

# systemd starts the main process with NOTIFY_SOCKET and waits for READY=1.
# start_main: ipsecd.service's ExecStart so, in the background.
unit_argv "$(unit_get "$IPSECD_UNIT" ExecStart)"
ipsecd_argv=("${argv[@]}")
start_main() {
	: >"$work/notify.log"
	NOTIFY_SOCKET=$work/notify "${ipsecd_argv[@]}" >"$work/ipsecd.out" 2>&1 &
	ipsecd_pid=$!
	pids+=("$ipsecd_pid")
}
start_main
if check "ipsecd.service: READY=1 on NOTIFY_SOCKET" \
	wait_until 60 grep -qx "READY=1" "$work/notify.log"; then
	# The moment systemd starts what is ordered after ipsecd.service.
	check "at READY=1 the control socket answers (ipsecctl -s ike)" "$IPSECCTL" -s ike
fi
check "ipsecd -s: its lines reach syslog, facility daemon, level info" \
	wait_until 30 grep -q "^<30>.*ipsecd\[$ipsecd_pid\]: ready: " "$work/syslog.log"
check_eq "ipsecd -s: nothing on stderr" "" "$(cat "$work/ipsecd.out")"

# ---- start: kipsec.service ----

run_exec kipsec.service "$KIPSEC_UNIT" ExecStartPre
run_exec kipsec.service "$KIPSEC_UNIT" ExecStart
"$IPSECCTL" -s all >"$work/all" 2>&1
check_eq "-s all: 4 flows (the file's 2, the ike rule's 2)" 4 "$(grep -c '^flow ' "$work/all")"
check_eq "-s all: the manual SA pair" "spi 0x00001000 spi 0x00001001" \
	"$(grep -E '^esp ' "$work/all" | grep -oE 'spi 0x[0-9a-f]+' | sort | tr '\n' ' ' | sed 's/ $//')"
check "-s all: the ike rule, in ipsecd" \
	grep -q '^ike passive esp tunnel from 10.3.0.0/24 to 10.4.0.0/24' "$work/all"
check_eq "kipsec_state: 2 SAs, 4 policies" "sa 2 policy 4" "$(state_stats "")"

# ---- stop: kipsec.service, then ipsecd.service ----

run_exec kipsec.service "$KIPSEC_UNIT" ExecStop
check_eq "after kipsec.service's ExecStop: no flow, no SA" "sa 0 policy 0" "$(state_stats "")"
check_eq "after kipsec.service's ExecStop: ipsecd has no rule" 0 \
	"$("$IPSECCTL" -s ike | grep -c '^ike ')"

# stop_main: SIGTERM to ipsecd, as systemd stops it; its exit status.
gone() { ! kill -0 "$1" 2>/dev/null; }
stop_main() {
	kill -TERM "$ipsecd_pid"
	wait_until 30 gone "$ipsecd_pid"
	wait "$ipsecd_pid"
}
stop_main
check_eq "ipsecd.service: SIGTERM ends ipsecd with status 0" 0 "$?"
check "ipsecd.service: STOPPING=1 before it exits" grep -qx "STOPPING=1" "$work/notify.log"
check_fails "ipsecd.service: the control socket is gone" test -e /run/ipsecd.sock

# ---- ipsecd stopped first, the rules loaded ----

start_main
check "ipsecd.service again: READY=1" wait_until 60 grep -qx "READY=1" "$work/notify.log"
run_exec kipsec.service "$KIPSEC_UNIT" ExecStart
check_eq "loaded again: 2 SAs, 4 policies" "sa 2 policy 4" "$(state_stats "")"
stop_main
check_eq "ipsecd stopped first: status 0" 0 "$?"
check_eq "ipsecd stopped first: it took its rule's 2 flows, the file's stay" "sa 2 policy 2" \
	"$(state_stats "")"
run_exec kipsec.service "$KIPSEC_UNIT" ExecStop
check_eq "kipsec.service's ExecStop without ipsecd: nothing left" "sa 0 policy 0" \
	"$(state_stats "")"

# Stopping leaves the module loaded (Documentation/admin-guide.md), and
# nothing the units did holds it.
check "the stop commands leave kipsec.ko loaded" module_loaded
check "nothing holds the module: modprobe -r kipsec" modprobe -r kipsec
dmesg_check "kernel log clean"
finish
