#!/bin/sh
# Grants the Identity Manager service account its rights on the working directory (POSIX ACLs;
# needs setfacl from the acl package): read and traverse on the directory, Runtime (and Sources),
# read, write and traverse on Temp, Work (and Mails), as set-permissions.ps1 grants Modify there (the
# agent-requirements page's rights, not the production-agent guide's Full control). Written by
# idm-preflight scaffold; safe to run again. --dry-run prints the commands without running them.
set -eu
{{variables}}
DRY_RUN=0
[ "${1:-}" = "--dry-run" ] && DRY_RUN=1
run() { if [ "$DRY_RUN" = 1 ]; then echo "$*"; else "$@"; fi; }
# The service reads its settings and certificates at start-up: read for the account on each file.
grant_read() {
  if [ -f "$1" ]; then run setfacl -m "u:$ACCOUNT:r--" "$1"
  else echo "note: $1 is not there yet: run this script again once it is" >&2; fi
}

{{grants}}
