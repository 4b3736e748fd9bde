#!/bin/sh
# Keyward runs as the system user keyward, created before the package's
# files are unpacked so that they can be owned by it.
set -e
if ! getent group keyward >/dev/null; then
	groupadd --system keyward
fi
if ! getent passwd keyward >/dev/null; then
	useradd --system --gid keyward --home-dir /var/lib/keyward --no-create-home \
		--shell /usr/sbin/nologin --comment "Keyward identity service" keyward
fi
