#!/usr/bin/env bash
# Installs the search-engine peers: OpenSearch and Elasticsearch "integ-test" distributions from
# Maven Central (org.opensearch.distribution.integ-test-zip:opensearch:<v>:zip and
# org.elasticsearch.distribution.integ-test-zip:elasticsearch:<v>:zip, versions pinned in
# scripts/versions.env), nginx from Debian (the TLS + basic-auth proxy of the harness) and openssl
# (per-run certificates). Nothing is started here: test/harness/search-engine.ts runs the servers.
#
# Usage: search-engines.sh [<kind>-<version> ...]   (default: every pinned engine)
# Prints one line per engine, "<kind>-<version> <home> <java-home>", then "nginx <path>" and
# "user <name>". See docs/search-engines.md.
#
# Layout and permissions. The engines refuse to run as root, so as root they run as the system user
# $STOWAGE_SEARCH_USER (default stowage-search). That user cannot enter /root (mode 0700), where
# $TOOLS_DIR lives, so as root the distributions are unpacked under /var/cache/stowage (root-owned,
# world-readable, read-only for the engine: config, data, logs and tmp go to a per-run folder that
# the harness creates). Not as root, they go to $TOOLS_DIR and run as the calling user.
# $STOWAGE_SEARCH_DIR overrides the folder. The zips stay in ~/.m2 as Maven's download cache.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [ "$(id -u)" = 0 ]; then default_dir=/var/cache/stowage; else default_dir="$TOOLS_DIR"; fi
SEARCH_DIR="${STOWAGE_SEARCH_DIR:-$default_dir}"
SEARCH_USER="${STOWAGE_SEARCH_USER:-stowage-search}"

# kind, version, lowest and highest Java major the line runs on (from each line's support matrix;
# the lowest installed JDK in the range is used: Java 17 for all but OpenSearch 3, which needs 21+).
engines=(
  "opensearch ${OPENSEARCH_VERSION:-} 11 21"
  "opensearch ${OPENSEARCH3_VERSION:-} 21 25"
  "elasticsearch ${ELASTICSEARCH6_VERSION:-} 11 17"
  "elasticsearch ${ELASTICSEARCH7_VERSION:-} 11 21"
  "elasticsearch ${ELASTICSEARCH8_VERSION:-} 17 25"
)

# java_home <min> <max>: the installed JDK (under /usr/lib/jvm, or $JAVA_HOME) with the lowest
# major version in [min, max], from its `release` file.
java_home() {
  local min=$1 max=$2 best="" best_major=999 d real major seen=" "
  for d in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*/; do
    real="$(readlink -f "$d")" || continue
    case "$seen" in *" $real "*) continue ;; esac
    seen+="$real "
    [ -x "$real/bin/java" ] && [ -f "$real/release" ] || continue
    major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$real/release")"
    [ -n "$major" ] || continue
    if [ "$major" -ge "$min" ] && [ "$major" -le "$max" ] && [ "$major" -lt "$best_major" ]; then
      best="$real" best_major="$major"
    fi
  done
  [ -n "$best" ] && echo "$best"
}

# install_engine <kind> <version>: unpacks the integ-test zip into $SEARCH_DIR/<kind>-<version>.
install_engine() {
  local kind=$1 version=$2 dest="$SEARCH_DIR/$1-$2" group
  [ -x "$dest/bin/$kind" ] && return 0
  case "$kind" in
    opensearch) group=org.opensearch.distribution.integ-test-zip ;;
    elasticsearch) group=org.elasticsearch.distribution.integ-test-zip ;;
  esac
  command -v mvn >/dev/null || apt_install maven
  command -v unzip >/dev/null || apt_install unzip
  local start=$SECONDS work
  mkdir -p "$SEARCH_DIR"
  chmod a+rx "$SEARCH_DIR" # whatever the umask: the engine's user reads from here
  work="$(mktemp -d "$SEARCH_DIR/.unpack-$kind-$version.XXXXXX")"
  log "downloading $group:$kind:$version:zip from Maven Central"
  local out
  # -q still prints colour resets on stdout: keep Maven's output for when it fails.
  out="$(mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="$group:$kind:$version:zip" -DoutputDirectory="$work" 2>&1)" ||
    { printf '%s\n' "$out" >&2; rm -rf "$work"; die "could not fetch $group:$kind:$version:zip"; }
  local fetched=$((SECONDS - start))
  unzip -q "$work/$kind-$version.zip" -d "$work" ||
    { rm -rf "$work"; die "could not unpack $kind-$version.zip"; }
  [ -x "$work/$kind-$version/bin/$kind" ] || { rm -rf "$work"; die "$kind-$version.zip has no bin/$kind"; }
  chmod -R a+rX,go-w "$work/$kind-$version"
  rm -rf "$dest"
  mv "$work/$kind-$version" "$dest"
  rm -rf "$work"
  log "installed $kind $version in $dest (download ${fetched}s, unpack $((SECONDS - start - fetched))s, $(du -sh "$dest" | cut -f1))"
}

wanted=("$@")
want() {
  [ ${#wanted[@]} -eq 0 ] && return 0
  local w
  for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

command -v setpriv >/dev/null || apt_install util-linux
if [ "$(id -u)" = 0 ]; then
  id -u "$SEARCH_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SEARCH_USER"
  user="$SEARCH_USER"
else
  user="$(id -un)"
fi

# can_run <home> <jdk>: the engine's user can read the distribution and run the JDK (as root only).
can_run() {
  [ "$(id -u)" = 0 ] || return 0
  setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
    test -r "$1/lib" -a -x "$1/bin/$kind" -a -x "$2/bin/java"
}

lines=()
for e in "${engines[@]}"; do
  read -r kind version min max <<<"$e"
  [ -n "$version" ] || continue
  want "$kind-$version" || continue
  if ! jdk="$(java_home "$min" "$max")"; then
    log "skipping $kind $version: no JDK $min..$max under /usr/lib/jvm"
    continue
  fi
  install_engine "$kind" "$version"
  can_run "$SEARCH_DIR/$kind-$version" "$jdk" ||
    die "$user cannot read $SEARCH_DIR/$kind-$version or run $jdk/bin/java: check the folders' modes"
  lines+=("$kind-$version $SEARCH_DIR/$kind-$version $jdk")
done
[ ${#wanted[@]} -eq 0 ] || [ ${#lines[@]} -gt 0 ] || die "no pinned engine matches: ${wanted[*]}"

# The proxy and the certificates. Installing Debian's nginx may start its service where no
# policy-rc.d forbids it; the harness never uses that one (it runs its own with -c and -p).
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
command -v openssl >/dev/null || apt_install openssl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

printf '%s\n' "${lines[@]}"
echo "nginx $nginx_bin"
echo "user $user"
