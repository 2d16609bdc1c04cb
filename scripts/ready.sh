# Sourced by bin/idm-preflight, scripts/test and scripts/setup: makes a clone ready to run, from
# any folder, with any Node.js on PATH, and says on stderr what it does (nothing when nothing is
# to do). Node.js 22 first on PATH (scripts/node22.sh brings it when the machine's is older);
# `npm ci` when package.json or package-lock.json changed since the dependencies were installed;
# `npm run build` when a source changed since the last build. What it records stays inside
# node_modules/ and dist/, and holds no path of the clone: a moved or copied clone finds its own
# files from where its scripts are.
idm_preflight_ready() {
  local root="$1"
  local deps="$root/node_modules/.idm-preflight-deps" built="$root/dist/.idm-preflight-build"
  local node_rec="$root/node_modules/.idm-preflight-node" node_dir=""
  # The Node.js found or installed last time, when it is still there: no `node -p` on every run.
  if [ -f "$node_rec" ]; then
    node_dir="$(cat "$node_rec")"
    if [ -n "$node_dir" ] && [ -x "$node_dir/node" ]; then export PATH="$node_dir:$PATH"; else node_dir=""; fi
  fi
  if [ -z "$node_dir" ]; then
    . "$root/scripts/node22.sh"
    idm_preflight_node22
  fi
  if _idm_preflight_stale "$root" "$deps" "$built"; then
    # One set-up at a time: a second command waits for the first, then finds nothing to do.
    if command -v flock >/dev/null 2>&1; then
      exec 9>"$root/.idm-preflight-ready.lock"
      flock 9
    fi
    _idm_preflight_setup "$root" "$deps" "$built" "$node_rec" || {
      local code=$?
      echo "idm-preflight: setting up $root failed (exit $code): see the lines above" >&2
      return $code
    }
    if command -v flock >/dev/null 2>&1; then exec 9>&-; fi
  fi
}

# True when the dependencies or the build are missing or older than what they come from.
_idm_preflight_stale() {
  local root="$1" deps="$2" built="$3"
  [ -f "$deps" ] && [ -f "$built" ] || return 0
  [ "$root/package-lock.json" -nt "$deps" ] || [ "$root/package.json" -nt "$deps" ] && return 0
  [ -n "$(cd "$root" && find src checks scripts bench templates package.json package-lock.json tsconfig.json \
    -type f -newer "$built" -print -quit 2>/dev/null)" ]
}

_idm_preflight_setup() {
  local root="$1" deps="$2" built="$3" node_rec="$4" stamp
  # Stamps are taken before the work, so that a file changed during it is seen next time.
  if [ ! -f "$deps" ] || [ "$root/package-lock.json" -nt "$deps" ] || [ "$root/package.json" -nt "$deps" ]; then
    echo "idm-preflight: installing the dependencies with Node.js $(node --version) (npm ci, once per change of package-lock.json)" >&2
    stamp="$(mktemp "$root/.idm-preflight-deps.XXXXXX")"
    (cd "$root" && npm ci --no-audit --no-fund --prefer-offline) >&2 || { rm -f "$stamp"; return 1; }
    mv -f "$stamp" "$deps"
    rm -f "$built"
  fi
  dirname "$(command -v node)" >"$node_rec"
  if [ ! -f "$built" ] || [ -n "$(cd "$root" && find src checks scripts bench templates package.json package-lock.json \
    tsconfig.json -type f -newer "$built" -print -quit 2>/dev/null)" ]; then
    echo "idm-preflight: building (npm run build, once per change of the sources)" >&2
    stamp="$(mktemp "$root/.idm-preflight-build.XXXXXX")"
    (cd "$root" && npm run build) >&2 || { rm -f "$stamp"; return 1; }
    mv -f "$stamp" "$built"
    echo "idm-preflight: ready" >&2
  fi
}
