#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: every benchmark, inside one VM run.  Results are ratios
# against Linux XFRM measured in the same run: absolute numbers under QEMU
# TCG mean nothing.  ike.sh compares ipsecd with strongSwan instead.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/sa_scale.sh"
"$here/dataplane.sh"
"$here/ike.sh"
