#!/usr/bin/env bash
# Start the API emulator in the background, run a command against it, stop the emulator, and exit with
# the command's status. The command sees:
#   HWCLOUD_EMULATOR_URL              base URL of the emulator (http://127.0.0.1:PORT)
#   HUAWEICLOUD_SDK_AK / _SK          the permanent credentials the emulator accepts
# Environment knobs: EMULATOR_FLEET (default demo; a path or generate:... works too, see CONTRACTS.md),
# EMULATOR_ARGS (extra CLI arguments, e.g. "--latency-ms 50"), EMULATOR_START_TIMEOUT (seconds, default 30).
# Usage: scripts/with-emulator.sh COMMAND [ARGS...]
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state_dir="$repo_root/build"
url_file="$state_dir/emulator.url"
pid_file="$state_dir/emulator.pid"
log_file="$state_dir/emulator.log"
python=${PYTHON:-python}
timeout=${EMULATOR_START_TIMEOUT:-30}

mkdir -p "$state_dir"
rm -f "$url_file" "$pid_file"

# shellcheck disable=SC2086  # EMULATOR_ARGS is a list of words on purpose
PYTHONPATH="$repo_root/tests${PYTHONPATH:+:$PYTHONPATH}" "$python" -m emulator \
    --fleet "${EMULATOR_FLEET:-demo}" --url-file "$url_file" --pid-file "$pid_file" \
    ${EMULATOR_ARGS:-} >"$log_file" 2>&1 &
emulator_pid=$!

# shellcheck disable=SC2329  # called by the EXIT trap
stop_emulator() {
    if kill -0 "$emulator_pid" 2>/dev/null; then
        kill -TERM "$emulator_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$emulator_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$emulator_pid" 2>/dev/null || true
    fi
    wait "$emulator_pid" 2>/dev/null || true
    rm -f "$url_file" "$pid_file"
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

deadline=$((SECONDS + timeout))
until [[ -s $url_file ]]; do
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "with-emulator: the emulator exited before listening; its output:" >&2
        cat "$log_file" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "with-emulator: the emulator did not write $url_file within ${timeout}s; its output:" >&2
        cat "$log_file" >&2
        exit 1
    fi
    sleep 0.1
done

HWCLOUD_EMULATOR_URL=$(<"$url_file")
export HWCLOUD_EMULATOR_URL
HUAWEICLOUD_SDK_AK=$(PYTHONPATH="$repo_root/tests" "$python" -c 'from emulator import credentials; print(credentials.AK)')
HUAWEICLOUD_SDK_SK=$(PYTHONPATH="$repo_root/tests" "$python" -c 'from emulator import credentials; print(credentials.SK)')
export HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK
echo "with-emulator: emulator (pid $emulator_pid) listening on $HWCLOUD_EMULATOR_URL"

set +e
"$@"
rc=$?
set -e
exit "$rc"
