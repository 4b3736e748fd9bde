#!/usr/bin/env bash
# Makes a data directory with an old build of Keyward, for the upgrade test
# (TestUpgradeFromOldSchemas). Run once per fixture from the repository's
# root; the output is committed, the old build is not:
#
#   cmd/keyward/testdata/upgrade/make-fixture.sh COMMIT OUTDIR
#
# It extracts COMMIT with git archive (no work tree is added), builds its
# keyward, serves a data directory with the test servers' account and root
# key, makes users and access keys with Debian's AWS CLI (and, where that
# build has them, a managed policy, an inline policy, a group and a console
# password), stops the server cleanly, and copies keyward.db and master.key
# to OUTDIR with secrets.csv: each user's key ID, secret and password.
set -euo pipefail
commit=$1 out=$2
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
pid=""
git -C "$root" archive "$commit" | tar -x -C "$tmp"
mkdir "$tmp/data"
(cd "$tmp" && CGO_ENABLED=0 go build -o "$tmp/keyward" ./cmd/keyward)
schema=$(find "$tmp/sqlite/migrations" "$tmp/internal/sqlstore/migrations" -name '*.sql' 2>/dev/null | wc -l || true)
port=$((20000 + RANDOM % 10000))
KEYWARD_ACCOUNT_ID=123456789012 KEYWARD_ROOT_ACCESS_KEY_ID=AKIAKEYWARDTESTROOT1 \
	KEYWARD_ROOT_SECRET_ACCESS_KEY=keywardTestRootSecretKey0000000000000000 \
	"$tmp/keyward" serve --data "$tmp/data" --listen "127.0.0.1:$port" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=AKIAKEYWARDTESTROOT1 AWS_SECRET_ACCESS_KEY=keywardTestRootSecretKey0000000000000000
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" --output text "$@"; }
echo "user,access_key_id,secret_access_key,password" >"$tmp/secrets.csv"
for user in alice bob carol; do
	aws iam create-user --user-name "$user" >/dev/null
	for _ in 1 2; do
		read -r id secret < <(aws iam create-access-key --user-name "$user" --query 'AccessKey.[AccessKeyId,SecretAccessKey]')
		echo "$user,$id,$secret," >>"$tmp/secrets.csv"
	done
done
if [ "$schema" -ge 2 ]; then
	# alice may read users; bob may read users but is denied alice; carol
	# has no policy at all.
	arn=$(aws iam create-policy --policy-name ReadUsers --query Policy.Arn --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}]}')
	aws iam attach-user-policy --user-name alice --policy-arn "$arn"
	aws iam create-group --group-name readers >/dev/null
	aws iam attach-group-policy --group-name readers --policy-arn "$arn"
	aws iam add-user-to-group --group-name readers --user-name bob
	aws iam put-user-policy --user-name bob --policy-name NotAlice --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/alice"}]}'
fi
if [ "$schema" -ge 3 ]; then
	aws iam create-login-profile --user-name alice --password 'Fixture-Password-1' >/dev/null
	echo "alice,,,Fixture-Password-1" >>"$tmp/secrets.csv"
fi
kill -TERM "$pid"
wait "$pid" || true
pid=""
mkdir -p "$out"
cp "$tmp/data/keyward.db" "$tmp/data/master.key" "$tmp/secrets.csv" "$out/"
ls "$tmp/data"
echo "schema version $schema from $commit in $out"
