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
fail() { echo "error: $*" >&2; exit 1; }
# One account name, and one of this host's: setfacl reads "," and ":" as its own grammar (a name
# holding them would grant a second account), and grants to a name that is no account fail halfway.
case "$ACCOUNT" in
  '' | -* | *[,:\ \	]*) fail "\"$ACCOUNT\" is not an account name (serviceAccount): run scaffold again with a valid one" ;;
esac
if ! id -u "$ACCOUNT" >/dev/null 2>&1; then
  if [ "$DRY_RUN" = 1 ]; then echo "note: $ACCOUNT is not an account of this host (id -u): the grants would fail" >&2
  else fail "$ACCOUNT is not an account of this host (id -u): create it, or correct serviceAccount"; fi
fi
# Never through a link: a Temp or Runtime that links out of the working directory would carry the
# grants to where it points (setfacl follows links). Below the working directory, the path and
# each folder between it and the working directory are checked, and setfacl -P skips a link all
# the same. A file outside it (a certificate the environment file names) is the user's choice.
no_link() {
  case "$1" in "$ROOT"/*) ;; *) return 0 ;; esac
  d=$1
  while [ "$d" != "$ROOT" ] && [ "$d" != / ] && [ "$d" != . ]; do
    [ -L "$d" ] && fail "$d is a symbolic link: not followed (make it a folder of the working directory, or remove it)"
    d=$(dirname -- "$d")
  done
  return 0
}
# The service reads its settings and certificates at start-up: read for the account on each file.
grant_read() {
  no_link "$1"
  if [ ! -f "$1" ]; then echo "note: $1 is not there yet: run this script again once it is" >&2
  else case "$1" in
    "$ROOT"/*) run setfacl -P -m "u:$ACCOUNT:r--" "$1" ;;
    *) run setfacl -m "u:$ACCOUNT:r--" "$1" ;;
  esac; fi
}

{{grants}}
