# Shared by scripts/test and scripts/quickstart: a virtual environment with mwaa_magic installed.
# Honours an already active venv ($VIRTUAL_ENV); otherwise creates .venv in the repository.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [ -z "${VIRTUAL_ENV:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "${PYTHON:-python3}" -m venv .venv
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
step() { echo "==> $*"; }
