#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: every benchmark, inside one VM run.  Results are ratios
# against Linux XFRM measured in the same run: absolute numbers under QEMU
# TCG mean nothing.  ike.sh compares ipsecd with strongSwan instead.  Every
# ratio is the median of interleaved rounds (bench_lib.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/sa_scale.sh"
"$here/dataplane.sh"
"$here/natt.sh"
"$here/iface.sh"
# XFRM takes over 20 minutes to install 100 000 policies under TCG: the
# comparison with XFRM is at 5000 unrelated policies, kipsec alone at 100 000.
KIPSEC_BENCH_POLICIES=5000 "$here/spd_scale.sh"
KIPSEC_BENCH_SPD_XFRM=0 "$here/spd_scale.sh"
"$here/ike.sh"
