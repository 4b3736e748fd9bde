#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: the AWS CLI from
# Debian's awscli package (the end-to-end tests use /usr/bin/aws), boto3
# from Debian's python3-boto3 (the polling tests run /usr/bin/python3),
# Debian's chromium-headless-shell (the console's browser tests drive
# /usr/lib/chromium/chromium-headless-shell)
# and nginx (the reverse proxy tests run /usr/sbin/nginx), podman, buildah
# and runc (the container image's test builds and runs the Dockerfile; runc
# because crun refuses this machine's hybrid cgroups), zsh and fish (the
# command line's completion tests run them), rpm (the release test reads the
# .rpm's files, modes and scriptlets with rpm -qp); and it builds
# Versity S3 Gateway, which the gateway tests run, once into the user's
# cache directory. It installs the policy engine's differential oracle,
# @cloud-copilot/iam-simulate at the version pinned in
# policy/testdata/oracle/package-lock.json, with npm ci (Debian's npm, and
# its nodejs, when npm is missing).
set -euo pipefail

versitygw_version=v1.8.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/keyward"
versitygw="$cache/versitygw-$versitygw_version/versitygw"
building="$versitygw.building"
# The gateway is built in the background, while the tests compile and run:
# the gateway tests run last and wait for it while $building names a live
# build. The binary appears under its name only once it is complete.
if [ ! -x "$versitygw" ] && ! { [ -f "$building" ] && kill -0 "$(cat "$building")" 2>/dev/null; }; then
	dir=$(dirname "$versitygw")
	mkdir -p "$dir"
	echo "building Versity S3 Gateway $versitygw_version into $versitygw in the background (log: $versitygw.log)" >&2
	(
		tmp=$(mktemp -d "$dir/.build-XXXXXX")
		# Built as make test builds keyward for its processes (static,
		# -trimpath: RELEASE_ENV), so that the two share the standard
		# library's compiled packages in the build cache: on a fresh
		# machine the gateway took 128 CPU-seconds to build with cgo, 89
		# beside keyward's build. Nothing of the gateway needs cgo.
		if CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$tmp" go install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version"; then
			mv "$tmp/versitygw" "$versitygw"
		fi
		rm -rf "$tmp" "$building"
	) </dev/null >"$versitygw.log" 2>&1 &
	echo $! >"$building"
fi

need=()
[ -x /usr/bin/aws ] || need+=(awscli)
[ -x /usr/lib/chromium/chromium-headless-shell ] || need+=(chromium-headless-shell)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
[ -x /usr/bin/podman ] || need+=(podman)
[ -x /usr/bin/buildah ] || need+=(buildah)
[ -x /usr/sbin/runc ] || need+=(runc)
[ -x /usr/bin/systemd-analyze ] || need+=(systemd)
[ -x /usr/bin/zsh ] || need+=(zsh)
[ -x /usr/bin/fish ] || need+=(fish)
[ -x /usr/bin/rpm ] || need+=(rpm)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
command -v npm >/dev/null || need+=(npm)

if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "install ${need[*]} (as root): apt-get install ${need[*]}" >&2; exit 1; }
		sudo="sudo"
	fi
	echo "installing ${need[*]}" >&2
	$sudo apt-get update -qq
	# Debian starts nginx's own service on installation where it can; the
	# tests run their own nginx and need none on port 80.
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The oracle, again whenever the lock file is newer than what npm installed
# (node_modules is git-ignored). No install scripts run.
oracle="$(dirname "$0")/../policy/testdata/oracle"
if [ ! -f "$oracle/node_modules/.package-lock.json" ] || [ "$oracle/package-lock.json" -nt "$oracle/node_modules/.package-lock.json" ]; then
	echo "installing the policy oracle into $oracle (npm ci)" >&2
	npm ci --prefix "$oracle" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
fi
