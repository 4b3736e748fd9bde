#!/bin/sh
# Stops the service when the package is removed (not on an upgrade: dpkg
# says "upgrade", rpm passes 1).
set -e
case "$1" in
remove|0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now keyward >/dev/null 2>&1 || true
	fi
	;;
esac
