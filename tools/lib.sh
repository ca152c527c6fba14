# Shared shell helpers for tools/setup, tools/serve and tools/test. Source it; do not run it.

# Every step's line carries the seconds since the first script of the run started (the stages'
# times in a CI log).
: "${NEUROAI_T0:=$(date +%s)}"
export NEUROAI_T0
log() { printf '\033[1m==> [%4ds] %s\033[0m\n' "$(( $(date +%s) - NEUROAI_T0 ))" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages that are missing (apt-get as root, or through sudo).
# An argument "cmd:pkg" is satisfied by the command cmd on the PATH however it was installed
# (so a Node.js from elsewhere is used as is); a plain "pkg" must be an installed Debian package.
ensure_debian_packages() {
  local missing=()
  for spec in "$@"; do
    local pkg=${spec#*:}
    if [ "$spec" != "$pkg" ]; then
      command -v "${spec%%:*}" >/dev/null && continue
    else
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
    fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root to install ${missing[*]}: run 'apt-get install ${missing[*]}' as root"
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npm ci when node_modules is missing or older than the lockfile.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# cmake configure (only once) + incremental build of a preset.
build_preset() {
  local preset=$1 dir=$2 wrapper=${3:-}
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    log "configuring $preset"
    $wrapper cmake --preset "$preset" >/dev/null
  fi
  log "building $preset"
  # Captured, not piped: with pipefail, `build | grep || true` would hide a failed build.
  local output status=0
  # NEUROAI_NICE: a niceness for the compiler runs (tools/test lets the browser tests go first).
  output=$(nice -n "${NEUROAI_NICE:-0}" cmake --build --preset "$preset" -- -j"$(nproc)" 2>&1) || status=$?
  grep -vE '^\[[0-9]+/[0-9]+\] ' <<<"$output" || true
  [ "$status" -eq 0 ] || die "build of $preset failed"
}

# Emscripten 3.1.6's JS optimizer needs Debian's acorn.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
