# syntax=docker/dockerfile:1
#
# Archeio (the default target): a NativeAOT binary on a chiseled, distroless runtime-deps image.
#   docker build -t archeio .
#   docker run --rm -p 8080:8080 -p 9090:9090 --read-only archeio
# Geranos (the mirror tool, for the CronJob in deploy/kubernetes):
#   docker build --target geranos -t geranos .
#
# The images run as the chiseled images' non-root user `app` (uid 1654), with a read-only root file
# system: Archeio writes nothing but the optional RangesRefresh:CacheDirectory (mount a volume there,
# e.g. /var/cache/archeio). tests/Archeio.Tests/Deploy/DockerfileTests.cs runs this file's COPY and
# `dotnet` steps of the build stage outside a container engine, then the ranges-fetch stage, and starts
# the binary they produce.
#
# Baked ranges: the build runs the published binary's `archeio ranges fetch` against the providers and
# copies the result to /app/ranges (RangesRefresh:BakedDirectory), so that a container knows every
# client's cloud from its first request, even when the providers cannot be reached; the live refresh
# then runs as usual. Offline builds (no access to the providers' range URLs):
#   docker build --build-arg BAKED_RANGES=skip -t archeio .
# (the directory is then empty, and a start fetches the ranges as it would without it). Rebuild on a
# schedule to keep the baked copies fresh: docs/operations.md, "Baked ranges".
ARG BAKED_RANGES=fetch

# ---- Archeio build: NativeAOT needs a C toolchain (clang) and zlib for the native link.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json .editorconfig Directory.Build.props Directory.Packages.props ./
# Restore first, from the project file alone, so that the package layer is cached across source edits.
COPY src/Archeio/Archeio.csproj src/Archeio/
COPY src/Archeio.Oci/Archeio.Oci.csproj src/Archeio.Oci/
RUN dotnet restore src/Archeio -r linux-x64 -p:PublishAot=true
COPY src/Archeio.Oci/ src/Archeio.Oci/
COPY src/Archeio/ src/Archeio/
RUN dotnet publish src/Archeio -c Release -r linux-x64 -p:PublishAot=true -o /out

# ---- Baked ranges (BAKED_RANGES=fetch, the default): the embedded profile's URL range sources,
# fetched, parsed and written with their snapshots; any source that fails fails the build, so an
# image never ships a partial set. The settings are the image's default ones (the embedded
# profile); copies are keyed by URL, so a deployment configured with other range URLs does not use
# them (logged at start, event 27) and fetches as without them.
FROM build AS ranges-fetch
RUN /out/Archeio ranges fetch --out /ranges

# ---- No baked ranges (BAKED_RANGES=skip): an empty directory, for builds without the network.
FROM build AS ranges-skip
RUN mkdir -p /ranges

FROM ranges-${BAKED_RANGES} AS ranges

# ---- Geranos build: framework-dependent (AWSSDK and Spectre.Console run on the shared runtime).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build-geranos
WORKDIR /src
COPY global.json .editorconfig Directory.Build.props Directory.Packages.props ./
COPY src/Geranos/Geranos.csproj src/Geranos/
COPY src/Archeio.Oci/Archeio.Oci.csproj src/Archeio.Oci/
RUN dotnet restore src/Geranos
COPY src/Archeio.Oci/ src/Archeio.Oci/
COPY src/Geranos/ src/Geranos/
RUN dotnet publish src/Geranos -c Release --no-restore -p:SatelliteResourceLanguages=en -o /out

# ---- Geranos runtime: `docker build --target geranos`.
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled AS geranos
WORKDIR /app
COPY --from=build-geranos /out/ /app/
USER 1654
ENTRYPOINT ["/app/geranos"]

# ---- Archeio runtime (the last stage: what `docker build .` produces).
# InvariantGlobalization is on (Directory.Build.props), so the image needs no ICU; it needs no tzdata
# either (logs are UTC). runtime-deps carries the C libraries, CA certificates and the `app` user.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS archeio
WORKDIR /app
COPY --from=build /out/Archeio /app/archeio
# Read only, at start: a copy there is used until the first successful fetch of its URL replaces it.
COPY --from=ranges /ranges/ /app/ranges/
ENV Archeio__RangesRefresh__BakedDirectory=/app/ranges
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1654
# 8080: the public port (Archeio:Port, PORT); 9090: /metrics, /healthz, /readyz (Archeio:Metrics:Port).
EXPOSE 8080 9090
ENTRYPOINT ["/app/archeio"]
