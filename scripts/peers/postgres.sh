#!/usr/bin/env bash
# Ensures a PostgreSQL server and its client tools (initdb, pg_ctl, pg_dump, pg_dumpall, psql,
# pg_isready) from Debian, and prints the folder that holds them, e.g. /usr/lib/postgresql/15/bin.
# The test harness (test/harness/postgres.ts) runs its own throw-away clusters from that folder as
# the `postgres` OS user; the Debian package's own cluster service is not needed and not started.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

pg_bindir() {
  local d
  # newest installed major first
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_dumpall" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! dir="$(pg_bindir)"; then
  # Debian 12 ships PostgreSQL 15; the versionless `postgresql` package follows the distro's major.
  if apt-cache show postgresql-15 >/dev/null 2>&1 || { as_root apt-get update -qq && APT_UPDATED=1 && apt-cache show postgresql-15 >/dev/null 2>&1; }; then
    apt_install postgresql-15 postgresql-client-15
  else
    apt_install postgresql postgresql-client
  fi
  dir="$(pg_bindir)" || die "PostgreSQL installed, but no /usr/lib/postgresql/*/bin with initdb found"
fi

# The server refuses to run as root; the harness runs it as this user.
id -u postgres >/dev/null 2>&1 || as_root useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
command -v runuser >/dev/null 2>&1 || [ "$(id -u)" != 0 ] || die "runuser (util-linux) is needed to start PostgreSQL as the postgres user"

log "PostgreSQL $("$dir/postgres" --version | awk '{print $3}') in $dir"
echo "$dir"
