# syntax=docker/dockerfile:1
# The one Stowage image: `stowage operator` in the chart's Deployment, and the in-Job steps
# (`backup postgres`, `restore postgres`, `update-status`, `create-backupsession`) in the Jobs it creates.
#
#   docker build -t ghcr.io/stowage/stowage:v0.1.0 .
#
# The version ARGs repeat scripts/versions.env (NODE_VERSION, RESTIC_VERSION);
# test/unit/deploy/dockerfile.test.ts fails when they differ. See docs/deploy.md.

ARG NODE_VERSION=24.21.0
ARG RESTIC_VERSION=0.19.1
ARG GO_VERSION=1.26
# Newest PostgreSQL major the catalog names (postgres-backup-17.2); Debian trixie ships its client.
ARG PG_MAJOR=17

# --- Stage 1: restic, from the Go module proxy, with the builder module scripts/peers/restic.sh uses.
FROM golang:${GO_VERSION}-trixie AS restic
ARG RESTIC_VERSION
WORKDIR /build
COPY scripts/peers/go/restic/ ./
# The builder module's go.sum pins every module; refuse to build a restic other than the pinned one.
RUN grep -qx "require github.com/restic/restic v${RESTIC_VERSION}" go.mod \
    || { echo "scripts/peers/go/restic/go.mod does not require restic v${RESTIC_VERSION}" >&2; exit 1; }
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go build -trimpath -ldflags "-s -w" -o /out/restic github.com/restic/restic/cmd/restic \
    && /out/restic version

# --- Stage 2: production node_modules. No production dependency has an install script (the unit
# test checks package-lock.json), so none is run.
FROM node:${NODE_VERSION}-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- Final stage: Node 24 (runs the TypeScript sources directly, no build step), restic, and the
# PostgreSQL client tools.
FROM node:${NODE_VERSION}-trixie-slim
ARG PG_MAJOR
# One client major serves every catalog version: pg_dump/pg_dumpall read servers of older majors.
# Should the image ever need several majors side by side (e.g. a pg_dump newer than Debian ships),
# add the PGDG repository (https://apt.postgresql.org/pub/repos/apt trixie-pgdg main, key
# https://www.postgresql.org/media/keys/ACCC4CF8.asc) and install postgresql-client-<major> per major;
# each lands in /usr/lib/postgresql/<major>/bin.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/*
COPY --from=restic /out/restic /usr/local/bin/restic

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
# bin/stowage reads NODE_VERSION from scripts/versions.env.
COPY scripts/versions.env ./scripts/versions.env
COPY bin/ ./bin/
COPY src/ ./src/
# `stowage serve` applies the catalog at start; the CRDs are for `stowage` users without the chart.
COPY deploy/catalog/ ./deploy/catalog/
COPY deploy/crds/ ./deploy/crds/

# The PostgreSQL tools directly (not Debian's pg_wrapper), restic from the image, and a writable
# HOME: the chart mounts an emptyDir at /tmp and keeps the root filesystem read-only.
ENV PATH="/usr/lib/postgresql/${PG_MAJOR}/bin:${PATH}" \
    STOWAGE_RESTIC=/usr/local/bin/restic \
    HOME=/tmp \
    NODE_ENV=production

# nobody:nogroup, as the chart's podSecurityContext (runAsNonRoot needs a numeric user).
USER 65534:65534
ENTRYPOINT ["/app/bin/stowage"]
CMD ["--help"]
