# Hotline container image: hotline-api (the entrypoint) and hotline-worker in one image.
#
#   docker build -t hotline:0.1.0 .          (or: podman build -t hotline:0.1.0 .)
#   docker run -p 8080:8080 -v hotline-data:/data hotline:0.1.0           embedded profile (SQLite in /data)
#   docker run … hotline:0.1.0 migrate                                    hotline-api subcommands
#   docker run --entrypoint /usr/bin/tini … hotline:0.1.0 -- hotline-worker
#
# Both stages use Debian 12 (bookworm): the binaries link against the builder's glibc, so the
# runtime must not be older. Pin the images by digest in your registry mirror if you need
# byte-for-byte reproducible builds (tests/helm/run.sh checks the tags are explicit).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The caches (crates and target dir) speed up rebuilds with BuildKit or buildah; the binaries
# are copied out of the cached target directory inside the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p hotline-api -p hotline-worker \
 && mkdir -p /out \
 && cp target/release/hotline-api target/release/hotline-worker /out/

FROM debian:bookworm-slim AS runtime
# tini runs as PID 1 and passes SIGTERM on (hotline-worker installs no handler of its own);
# ca-certificates for any TLS client that reads the system store.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hotline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin hotline \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /out/hotline-api /out/hotline-worker /usr/local/bin/
LABEL org.opencontainers.image.title="hotline" \
      org.opencontainers.image.description="Hotline: one 12345 front door for a city's departmental hotlines (hotline-api, hotline-worker)" \
      org.opencontainers.image.licenses="Apache-2.0"
# Listen on every interface; the embedded default keeps its SQLite file in the /data volume.
# The Helm chart overrides the database with PostgreSQL from its Secret.
ENV HOTLINE_BIND=0.0.0.0:8080 \
    HOTLINE_DATABASE_URL=sqlite:///data/hotline.db
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/hotline-api"]
CMD ["serve"]
