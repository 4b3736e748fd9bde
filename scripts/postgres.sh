#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is there and running:
# 127.0.0.1:5432, trust authentication, a database named test. On this
# project's machines it is preinstalled and usually running; on a machine
# without it, Debian's postgresql package is installed and set up so.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
	echo "installing postgresql" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	hba=/etc/postgresql/$version/main/pg_hba.conf
	# Only a server installed here for the tests is opened to trust on loopback.
	$sudo sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
fi

if ! ready; then
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	echo "starting PostgreSQL $version" >&2
	$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || $sudo pg_ctlcluster "$version" main start
	for _ in $(seq 50); do ready && break; sleep 0.2; done
fi
ready || { echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1; }

if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
	psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi
