#!/usr/bin/env bash
# The deployment checks that need neither Docker nor an AWS account: sam validate --lint (cfn-lint),
# sam build for arm64, the layer trim + smoke test + size budgets, and checkov. Every step runs even
# when an earlier one fails; the script exits non-zero if any did.
#
#   bash scripts/sam_checks.sh
#   LAYER_SMOKE_PYTHON="qemu-aarch64-static -cpu neoverse-n1 -L $ROOT /path/usr/bin/python3.13" bash scripts/sam_checks.sh
#
# Without LAYER_SMOKE_PYTHON an x86_64 host checks the arm64 layers statically only (ARM64_SYSROOT,
# a folder holding an arm64 python3.13 in usr/bin, is turned into that command when qemu is there).
set -uo pipefail
cd "$(dirname "$0")/.."

SAM_VENV=.venv-sam
PYTHON313=$(ls -d "$HOME"/.pyenv/versions/3.13*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true)
PYTHON313=${PYTHON313:-$(command -v python3.13 || true)}
if [[ -z "$PYTHON313" ]]; then
    echo "no Python 3.13 found (pyenv 3.13.x or python3.13 on PATH): Lambda runs 3.13 and sam build needs it" >&2
    exit 2
fi

# SAM CLI, checkov and cfn-lint pin their own boto3, so they live apart from the project's .venv.
if [[ ! -f $SAM_VENV/.installed ]]; then
    echo "== creating $SAM_VENV (first run only)"
    test -x $SAM_VENV/bin/python || "$PYTHON313" -m venv $SAM_VENV
    $SAM_VENV/bin/python -m pip install --quiet --upgrade pip
    $SAM_VENV/bin/python -m pip install --quiet aws-sam-cli checkov cfn-lint
    touch $SAM_VENV/.installed
fi

if [[ -z "${LAYER_SMOKE_PYTHON:-}" && -n "${ARM64_SYSROOT:-}" && "$(uname -m)" != aarch64 ]] \
    && command -v qemu-aarch64-static >/dev/null; then
    # neoverse-n1 is the Graviton2 core Lambda's arm64 runs on; qemu's default "max" CPU
    # emulates SVE code paths of numpy wrongly.
    export LAYER_SMOKE_PYTHON="qemu-aarch64-static -cpu neoverse-n1 -L $ARM64_SYSROOT $ARM64_SYSROOT/usr/bin/python3.13"
fi

# Offline on purpose: dummy credentials so nothing here can reach (or needs) a real account.
run_offline() {
    env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE AWS_DEFAULT_REGION=eu-west-1 AWS_REGION=eu-west-1 \
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
        AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0 \
        PATH="$(dirname "$PYTHON313"):$PATH" "$@"
}

declare -a SUMMARY=()
FAILED=0
step() {
    local name=$1
    shift
    echo
    echo "== $name"
    local started=$SECONDS
    "$@"
    local status=$?
    local verdict=ok
    if ((status != 0)); then
        verdict="FAILED (exit $status)"
        FAILED=1
    fi
    SUMMARY+=("$(printf '%-34s %5ss  %s' "$name" $((SECONDS - started)) "$verdict")")
}

checkov_template() {
    # --skip-download: no Prisma Cloud look-ups (guidelines, severities); the checks are local.
    run_offline $SAM_VENV/bin/checkov -f template.yaml --framework cloudformation \
        --skip-download --compact --quiet
}

STARTED=$SECONDS
step "sam validate --lint" run_offline $SAM_VENV/bin/sam validate --lint
step "sam build (arm64, no container)" run_offline $SAM_VENV/bin/sam build
step "layer trim, smoke test, sizes" run_offline $SAM_VENV/bin/python scripts/layer_size.py
step "checkov (cloudformation)" checkov_template

echo
echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
echo "total ${#SUMMARY[@]} steps in $((SECONDS - STARTED))s"
exit $FAILED
