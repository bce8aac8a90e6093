# vcnode in a container: a multi-stage build (Rust toolchain, clang for RocksDB's C++) and a
# small runtime image (Debian slim, the stripped release binary, an unprivileged user).
#
#   docker build -t vcnet/vcnode .
#   docker compose -f testnet/container/compose.yaml up    # the demo network as containers
#
# The data dir is a volume (/data): the node key (encrypted under the passphrase), RocksDB,
# config.toml and admin.token. Ports: 4001 libp2p (TCP and QUIC), 8080 the HTTP API.

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The release profile: fat LTO, one codegen unit, stripped.
RUN cargo build --release --locked --bin vcnode \
 && cp target/release/vcnode /usr/local/bin/vcnode

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin vcnet \
 && mkdir -p /data /shared && chown vcnet /data /shared
COPY --from=build /usr/local/bin/vcnode /usr/local/bin/vcnode
COPY testnet/container/node.sh /usr/local/bin/vcnet-node
USER vcnet
VOLUME ["/data"]
EXPOSE 4001/tcp 4001/udp 8080/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 || exit 1"]
ENTRYPOINT ["/usr/local/bin/vcnet-node"]
