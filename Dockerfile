# syntax=docker/dockerfile:1
#
# The interview-planner service: compiled in the official Rust image, run
# from Debian slim as a non-root user. `docker compose up` (see
# docker-compose.yml) runs it on PostgreSQL.
#
#   docker build -t interview-planner .
#   docker run --rm -p 8080:8080 -e JWT_SECRET=... -e APP_ENV=production interview-planner
#
# Without DATABASE_URL the service uses SQLite in its working directory,
# which lives only as long as the container.

# The workspace needs Rust 1.94 or later (edition 2024); cargo refuses an
# older compiler. Pin with --build-arg RUST_VERSION=1.94 if wanted.
ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
WORKDIR /src
COPY . .
# The caches keep downloaded crates and compiled dependencies between builds;
# the binary is copied out because cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git/db \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin interview-planner \
    && cp target/release/interview-planner /usr/local/bin/interview-planner

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --create-home \
        --home-dir /var/lib/interview-planner --shell /usr/sbin/nologin interview-planner
COPY --from=builder /usr/local/bin/interview-planner /usr/local/bin/interview-planner
USER interview-planner
WORKDIR /var/lib/interview-planner
ENV BIND=0.0.0.0:8080
EXPOSE 8080
# The image has no curl or wget: bash's /dev/tcp asks /readyz on the port of
# BIND, and only a 200 counts as healthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${BIND##*:} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["interview-planner"]
CMD ["serve"]
