#!/usr/bin/env bash
# The whole test suite, S3 included: starts a real S3 server on loopback (moto, from PyPI, with
# Signature V4 checking; see Scripts/s3-server.sh), runs `swift test` with the AWS variables pointing
# at it, and stops the server. Arguments go to `swift test` (e.g. --filter S3). Without this script,
# `swift test` skips only the S3 tests, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/s3-server.sh
export LIGHTNING_S3_TEST_BUCKET=lightning-tests
start_s3_server "$LIGHTNING_S3_TEST_BUCKET"
swift test "$@"
