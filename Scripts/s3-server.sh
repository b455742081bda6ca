# Sourced by Scripts/test.sh and Scripts/s3-speed.sh: start_s3_server installs moto (a real S3
# server, from PyPI) into .venv-s3 if it is missing, starts it on a free loopback port with
# Signature V4 checking on, creates a user, its access key and the bucket $1, and exports the AWS
# variables that point at it. The server stops when the calling script exits.
start_s3_server() {
  local bucket=$1 venv=.venv-s3
  if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[s3]' flask flask-cors awscli
  fi
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  S3_SERVER_LOG=$(mktemp)
  INITIAL_NO_AUTH_ACTION_COUNT=3 "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$S3_SERVER_LOG" 2>&1 &
  S3_SERVER_PID=$!
  trap 'kill -9 "$S3_SERVER_PID" 2>/dev/null || true; rm -f "$S3_SERVER_LOG"' EXIT
  # Wait for the port with a TCP connect: every HTTP request counts toward the three unsigned ones.
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

  export AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap
  unset AWS_REGION AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_PROFILE
  AWS_CLI=("$PWD/$venv/bin/aws" --endpoint-url "http://127.0.0.1:$port")
  "${AWS_CLI[@]}" iam create-user --user-name tests >/dev/null
  "${AWS_CLI[@]}" iam put-user-policy --user-name tests --policy-name all \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < <("${AWS_CLI[@]}" iam create-access-key --user-name tests \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  "${AWS_CLI[@]}" s3api create-bucket --bucket "$bucket" >/dev/null
  # For tests that start and stop a server of their own.
  export LIGHTNING_S3_TEST_SERVER="$PWD/$venv/bin/moto_server"
}
