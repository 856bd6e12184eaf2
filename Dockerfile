# syntax=docker/dockerfile:1
# Build a static binary, then run it as a non-root user on a minimal image
# that carries CA certificates and time-zone data.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/passerelle ./cmd/passerelle

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/passerelle /usr/local/bin/passerelle
USER nonroot:nonroot
ENV PASSERELLE_LISTEN=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/passerelle"]
CMD ["serve"]
