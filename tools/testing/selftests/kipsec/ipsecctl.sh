#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecctl against kipsec.ko, checked by something other than ipsecctl:
# kipsec_state (raw netlink) and python3's json module.
#
#   -f loads a file's flows and SAs (IPv4 and IPv6); -s all and -s all -j
#   show them; -k shows keys and only then; -F empties both databases;
#   a file the kernel refuses halfway leaves the kernel exactly as before;
#   -d -f removes exactly the file's rules; -m prints events; and every
#   command says so when kipsec.ko is not loaded.  Each case runs in a
#   network namespace of its own.  Leaves the module loaded.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

SAMPLE=$here/ipsecctl-sample.conf
REFUSED=$here/ipsecctl-refused.conf

need "ipsecctl integration" ip python3 timeout insmod rmmod modprobe modinfo "$STATE" "$IPSECCTL" \
	"$KIPSEC_KO" || finish

work=$(mktemp -d)
nss=()
cleanup() {
	local ns
	for ns in "${nss[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$work"
	load_module 2>/dev/null
}
trap cleanup EXIT

newns() {
	ip netns add "$1"
	nss+=("$1")
}

# ipsecctl in a namespace, never hanging a run.
ctl() {
	local ns=$1
	shift
	timeout 60 ip netns exec "$ns" "$IPSECCTL" "$@"
}

load_module
dmesg_mark

# --- -n, -f, -s ---------------------------------------------------------
newns kc-load
check "-n -f parses the sample" ctl kc-load -n -f "$SAMPLE"
check_eq "-n changes nothing in the kernel" "sa 0 policy 0" "$(state_stats kc-load)"
check "-f loads the sample" ctl kc-load -f "$SAMPLE"
check_eq "the kernel holds its 5 SAs and 7 policies" "sa 5 policy 7" "$(state_stats kc-load)"

# What the kernel has, by raw netlink: every SPI, algorithm and key of the file.
list=$(state_list kc-load)
for want in \
	"sa inet 192.0.2.1 192.0.2.2 spi 0x00001000 proto 50 mode 2 .* enc aes-gcm:000102030405060708090a0b0c0d0e0f10111213:16 auth -" \
	"sa inet 192.0.2.2 192.0.2.1 spi 0x00001001 proto 50 mode 2 .* enc aes-gcm:101112131415161718191a1b1c1d1e1f20212223:16 auth -" \
	"sa inet6 2001:db8::1 2001:db8::2 spi 0x00002000 proto 50 mode 2 .* enc aes-cbc:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f:0 auth hmac-sha2-256:404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f:16" \
	"sa inet6 2001:db8::2 2001:db8::1 spi 0x00002001 proto 50 mode 2 " \
	"sa inet 10.1.0.5 10.9.0.1 spi 0x00003000 proto 51 mode 1 .* enc -:-:0 auth hmac-sha1:6061626364656667686970717273747576777879:12" \
	"policy dir 2 10.1.0.0/24 10.2.0.0/24 proto 0 ports 0 0 prio 1000 action 1 level 1 tmpl 50 2 192.0.2.1 192.0.2.2" \
	"policy dir 1 10.2.0.0/24 10.1.0.0/24 proto 0 ports 0 0 prio 1000 action 1 level 1 tmpl 50 2 192.0.2.2 192.0.2.1" \
	"policy dir 2 fd01::/64 fd02::/64 .* action 1 level 1 tmpl 50 2 2001:db8::1 2001:db8::2" \
	"policy dir 1 fd02::/64 fd01::/64 .* action 1 level 1 tmpl 50 2 2001:db8::2 2001:db8::1" \
	"policy dir 2 10.1.0.5/32 10.9.0.0/16 proto 6 ports 80 0 .* action 1 level 1 tmpl 51 1 - -" \
	"policy dir 1 10.3.0.0/24 10.1.0.0/24 proto 0 .* action 2 " \
	"policy dir 2 10.4.0.0/24 0.0.0.0/0 proto 0 .* action 3 "; do
	if printf '%s\n' "$list" | grep -Eq "^$want"; then
		ok "in the kernel: ${want%% .\**}"
	else
		not_ok "in the kernel: $want"
		printf '%s\n' "$list" | detail
	fi
done

# -s all: every flow and SA, one line each, keys only with -k.
ctl kc-load -s all >"$work/show" 2>&1
check_eq "-s all lists 7 flows" 7 "$(grep -c '^flow ' "$work/show")"
check_eq "-s all lists 5 SAs" 5 "$(grep -Ec '^(esp|ah) ' "$work/show")"
for spi in 00001000 00001001 00002000 00002001 00003000; do
	check "-s all shows SPI 0x$spi" grep -q "spi 0x$spi" "$work/show"
done
check_fails "-s all shows no key" grep -Eqi "key|000102030405060708090a0b" "$work/show"
ctl kc-load -s all -k >"$work/showk" 2>&1
check "-s all -k shows the keys" grep -q "enckey 0x000102030405060708090a0b0c0d0e0f10111213" \
	"$work/showk"

# -s all -j: valid JSON with the same content.
ctl kc-load -s all -j >"$work/json" 2>&1
check "-s all -j is JSON with the file's SAs and flows" python3 - "$work/json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
spis = sorted(sa["spi"] for sa in d["sas"])
assert spis == [0x1000, 0x1001, 0x2000, 0x2001, 0x3000], spis
assert len(d["flows"]) == 7, len(d["flows"])
fams = sorted(f["family"] for f in d["flows"])
assert fams.count("inet6") == 2, fams
by = {sa["spi"]: sa for sa in d["sas"]}
assert by[0x1000]["proto"] == "esp" and by[0x1000]["dst"] == "192.0.2.2", by[0x1000]
assert by[0x2000]["family"] == "inet6" and by[0x2000]["auth"] == "hmac-sha2-256", by[0x2000]
assert by[0x3000]["proto"] == "ah" and by[0x3000]["mode"] == "transport", by[0x3000]
assert "key" not in json.dumps(d).lower(), "a key without -k"
EOF

# Loading the same file again is refused (every SA exists), changing nothing.
before=$(state_list kc-load)
check_fails "loading the sample twice fails" ctl kc-load -f "$SAMPLE"
check_eq "a refused second load changes nothing" "$before" "$(state_list kc-load)"

# -F empties both databases.
check "-F" ctl kc-load -F
check_eq "-F leaves no SA and no policy" "sa 0 policy 0" "$(state_stats kc-load)"
check "-s all -j after -F: empty lists" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["sas"] == [] and d["flows"] == [], d' < <(ctl kc-load -s all -j)

# --- a file the kernel refuses at its third SA ---------------------------
newns kc-refused
# Something already there, by hand and by another file.
cat >"$work/pre.conf" <<'EOF'
flow esp from 10.50.0.0/16 to 10.60.0.0/16 local 192.0.2.1 peer 192.0.2.9
ah transport from 192.0.2.1 to 192.0.2.9 spi 0x7000 auth hmac-md5 authkey 0x00112233445566778899aabbccddeeff
EOF
check "a first file loads" ctl kc-refused -f "$work/pre.conf"
check "an SA installed by hand: SPI 0x5002 to 192.0.2.2" \
	ip netns exec kc-refused "$STATE" add-sa 192.0.2.1 192.0.2.2 0x5002
before=$(state_list kc-refused)
check_eq "before: 2 SAs, 2 policies" "sa 2 policy 2" "$(state_stats kc-refused)"
ctl kc-refused -f "$REFUSED" >"$work/refused.out" 2>&1
rc=$?
check_eq "ipsecctl fails on the refused SA" 1 "$rc"
line=$(grep -n "spi 0x5002" "$REFUSED" | cut -d: -f1)
check "the error names the file and line of the refused SA" \
	grep -q "$(basename "$REFUSED"):$line:" "$work/refused.out"
check_eq "the kernel is exactly as before (keys included)" "$before" "$(state_list kc-refused)"
check_eq "counts as before" "sa 2 policy 2" "$(state_stats kc-refused)"

# --- -d -f removes exactly the file's rules ------------------------------
check "the sample loads beside them" ctl kc-refused -f "$SAMPLE"
check_eq "now 7 SAs and 9 policies" "sa 7 policy 9" "$(state_stats kc-refused)"
check "-d -f removes the sample" ctl kc-refused -d -f "$SAMPLE"
check_eq "exactly the sample's rules went" "$before" "$(state_list kc-refused)"
check "-d -f of the first file" ctl kc-refused -d -f "$work/pre.conf"
check_eq "only the hand-made SA is left" "sa 1 policy 0" "$(state_stats kc-refused)"

# --- -m ------------------------------------------------------------------
newns kc-monitor
ip netns exec kc-monitor "$IPSECCTL" -m >"$work/mon" 2>&1 &
mon=$!
ip netns exec kc-monitor "$IPSECCTL" -m -j >"$work/monj" 2>&1 &
monj=$!
# No readiness line: wait until both joined the group (their sockets exist).
sleep 1
ip netns exec kc-monitor "$STATE" add-sa 192.0.2.1 192.0.2.2 0x6000
ctl kc-monitor -f "$SAMPLE"
ctl kc-monitor -F
sleep 0.5
kill -INT "$mon" "$monj" 2>/dev/null
wait "$mon" "$monj" 2>/dev/null
# 1 + 5 SA additions, 7 policy additions, then a flush of each kind.
check_eq "-m: one line per event (15)" 15 "$(grep -c . "$work/mon")"
check "-m shows the SA added by hand" grep -Eq "add.* spi 0x00006000" "$work/mon"
check "-m shows the sample's IPv6 SA" grep -Eq "add.* from 2001:db8::1 to 2001:db8::2 spi 0x00002000" \
	"$work/mon"
check "-m shows the flows" grep -Eq "add.*flow esp out from fd01::/64 to fd02::/64" "$work/mon"
check "-m shows the flush" grep -Eqi "flush" "$work/mon"
check_fails "-m shows no key" grep -qi "key" "$work/mon"
check "-m -j: one JSON object per event, 15 in order" python3 - "$work/monj" <<'EOF'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(evs) == 15, [e.get("event") for e in evs]
assert evs[0]["sa"]["spi"] == 0x6000, evs[0]
spis = sorted(e["sa"]["spi"] for e in evs if "sa" in e)
assert spis == [0x1000, 0x1001, 0x2000, 0x2001, 0x3000, 0x6000], spis
assert sum("flow" in e for e in evs) == 7
assert all("time" in e and "event" in e for e in evs)
EOF

# --- errors ----------------------------------------------------------------
newns kc-errors
printf 'flow esp from 10.1.0.1/24 to 10.2.0.0/24 peer 192.0.2.2\n' >"$work/bad.conf"
ctl kc-errors -f "$work/bad.conf" >"$work/bad.out" 2>&1
check_eq "a bad file: exit 1" 1 "$?"
check "a bad file: file:line: in the message" grep -q "bad.conf:1:" "$work/bad.out"
check_eq "a bad file loads nothing" "sa 0 policy 0" "$(state_stats kc-errors)"

# Without the module: every command that needs it says so.
check_eq "the kernel log is clean so far" "" "$(dmesg | tail -n +"$((dmesg_lines + 1))" | grep -E "$SPLAT")"
if rmmod kipsec; then
	for args in "-s all" "-s sa -j" "-f $SAMPLE" "-F" "-m" "-d -f $SAMPLE"; do
		# shellcheck disable=SC2086
		out=$(timeout 20 "$IPSECCTL" $args 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && printf '%s' "$out" | grep -qi "not loaded"; then
			ok "without kipsec.ko: ipsecctl $args says it is not loaded"
		else
			not_ok "without kipsec.ko: ipsecctl $args (exit $rc)"
			printf '%s\n' "$out" | detail
		fi
	done
	check "without kipsec.ko: -n -f still parses" "$IPSECCTL" -n -f "$SAMPLE"
	check "module loads again" load_module
else
	not_ok "rmmod kipsec for the not-loaded cases"
fi

dmesg_check "kernel log clean"
finish
