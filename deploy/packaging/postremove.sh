#!/bin/sh
# The data in /var/lib/keyward (the store, the master key, the root
# credentials) is never deleted by the package manager, not even on purge:
# an identity service's data is not a cache. Delete it by hand.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
case "$1" in
purge|0)
	if [ -d /var/lib/keyward ]; then
		echo "keyward: /var/lib/keyward is kept (the store and its master key); delete it by hand if it is no longer needed"
	fi
	;;
esac
