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
# `dotnet` steps of the build stage outside a container engine and starts the binary they produce.

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
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1654
# 8080: the public port (Archeio:Port, PORT); 9090: /metrics, /healthz, /readyz (Archeio:Metrics:Port).
EXPOSE 8080 9090
ENTRYPOINT ["/app/archeio"]
