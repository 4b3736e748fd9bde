# Keyward's container image: a static keyward on an empty base, run as a
# user without privileges, its data in a volume.
#
#   docker build -t keyward .        (or: podman build -t keyward .)
#   docker run -p 127.0.0.1:8080:8080 -v keyward-data:/var/lib/keyward keyward
#
# Inside the image keyward listens on 0.0.0.0:8080 (the binary's own
# default is 127.0.0.1:8080); the root user's key is generated into the
# volume (root-credentials.csv) at first start unless given.

# The builder: any Go toolchain image. Its steps use the exec form only
# (no shell), so that a bare toolchain image can build too.
ARG GO_IMAGE=golang:1.26-bookworm
FROM ${GO_IMAGE} AS build
ARG VERSION=v0.1.0-dev
ARG COMMIT=unknown
# A module proxy of your own, or off with a module cache mounted.
ARG GOPROXY
# Static (the SQLite driver is pure Go), and linked as make dist links: the
# exec form has no shell to expand variables, so the flags go through
# GOFLAGS, which the go command reads with quotes.
ENV CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false '-ldflags=-s -w -X github.com/keyward/keyward/internal/buildinfo.version=${VERSION} -X github.com/keyward/keyward/internal/buildinfo.commit=${COMMIT}'"
WORKDIR /src
COPY go.mod go.sum ./
RUN ["go", "mod", "download"]
COPY . .
RUN ["go", "build", "-o", "/out/keyward", "./cmd/keyward"]
# Empty directories for the final image, made without a shell: a step run
# in a WORKDIR leaves it in the layer.
WORKDIR /out/data
RUN ["go", "version"]
WORKDIR /out/tmp
RUN ["go", "version"]

FROM scratch
COPY --from=build /out/keyward /usr/bin/keyward
# Roots for OpenID Connect providers' keys over TLS (web identity).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chown=65532:65532 /out/data /var/lib/keyward
COPY --from=build --chown=65532:65532 /out/tmp /tmp
USER 65532:65532
ENV KEYWARD_LISTEN=0.0.0.0:8080 KEYWARD_DATA=/var/lib/keyward
VOLUME /var/lib/keyward
EXPOSE 8080
ENTRYPOINT ["/usr/bin/keyward"]
CMD ["serve"]
