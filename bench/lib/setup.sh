# shellcheck shell=bash
# Installs what the benchmark needs on Debian/Ubuntu, only what is missing, the way
# scripts/setup.sh does for Basalt's own build (which run.sh calls first).

BENCH_PACKAGES=(build-essential pkg-config libmongoc-dev libbson-dev gnuplot-nox python3
  util-linux procps)

bench_install_packages() {
  local missing=() pkg
  for pkg in "${BENCH_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}
