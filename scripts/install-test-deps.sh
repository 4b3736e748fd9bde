#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: the AWS CLI from
# Debian's awscli package (the end-to-end tests use /usr/bin/aws), boto3
# from Debian's python3-boto3 (the polling tests run /usr/bin/python3) and
# Debian's chromium (the console's browser tests drive /usr/bin/chromium).
set -euo pipefail

need=()
[ -x /usr/bin/aws ] || need+=(awscli)
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install ${need[*]} (as root): apt-get install ${need[*]}" >&2; exit 1; }
	sudo="sudo"
fi
echo "installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
