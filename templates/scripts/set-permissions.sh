#!/bin/sh
# Grants the Identity Manager service account the rights of the production-agent guide on its
# working directory (POSIX ACLs; needs setfacl from the acl package). Written by idm-preflight
# scaffold; safe to run again. --dry-run prints the commands without running them.
set -eu
{{variables}}
DRY_RUN=0
[ "${1:-}" = "--dry-run" ] && DRY_RUN=1
run() { if [ "$DRY_RUN" = 1 ]; then echo "$*"; else "$@"; fi; }

{{grants}}
