#!/bin/sh
# The data directory is the service's alone; systemd learns of the unit. The
# service is not started: configure /etc/keyward/keyward.env first.
set -e
install -d -m 0700 -o keyward -g keyward /var/lib/keyward
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	if systemctl is-active --quiet keyward; then
		systemctl try-restart keyward || true
	fi
fi
echo "keyward: configure /etc/keyward/keyward.env, then: systemctl enable --now keyward"
