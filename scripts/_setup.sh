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

# What scripts/quickstart installs, one list (scripts/test-quickstart installs exactly this too): mwaa_magic with
# apache-airflow-client (`client`) and the emulator's S3 (`emulator`: moto), JupyterLab, Notebook 7, what the
# sample notebooks import, and uv (the emulator installs its Airflow environments with it).
quickstart_packages=(-e ".[client,emulator]" "jupyterlab>=4.2,<5" "notebook>=7,<8" pandas matplotlib uv)

uv_bin() {  # the active venv's uv, installed with pip when missing (a uv-made venv has no pip: then one on PATH)
  if [ ! -x "$VIRTUAL_ENV/bin/uv" ] && python -m pip --version >/dev/null 2>&1; then
    step "installing uv (it installs everything else, with progress)" >&2
    python -m pip install -q uv >&2
  fi
  if [ -x "$VIRTUAL_ENV/bin/uv" ]; then echo "$VIRTUAL_ENV/bin/uv"; else command -v uv; fi
}

quickstart_install() {  # install quickstart_packages (and "$@") into the active venv with uv, showing its progress
  if [ ! -f mwaa_magic/labextension/static/style.js ]; then  # built here, with npm's output, not behind uv's spinner
    step "building the JupyterLab extension with npm (the first time only)"
    echo "    npm ci: downloading its build tools (~550 packages; quiet until done, ~20 s on an idle machine)"
    (cd labextension && npm ci --no-audit --no-fund && npm run build:prod) 2>&1 | sed -u 's/^/    /'  # -u: each line as it comes
  fi
  "$(uv_bin)" pip install --python "$VIRTUAL_ENV/bin/python" "${quickstart_packages[@]}" "$@"
}

quickstart_stamp() {  # a file whose presence says: quickstart_install ran with this pyproject.toml and this list
  echo "$VIRTUAL_ENV/.mwaa-quickstart-$( (cat pyproject.toml labextension/package.json; echo "${quickstart_packages[*]}") | sha1sum | cut -c1-12)"
}

start_emulator() {  # `emulator up "$@"` in the background, its output in $log: returns 0 once ready, else up's exit code
  python -m mwaa_magic.emulator up "$@" >"$log" 2>&1 &
  emulator=$!
  local waited=0
  until grep -q '^# ready' "$log"; do
    if [ $((++waited % 10)) = 0 ]; then  # every 5 s: it is still at work (Airflow's servers take ~10 s to answer)
      echo "    still starting ($((waited / 2)) s): Airflow's servers and the MWAA endpoints"
    fi
    if ! kill -0 "$emulator" 2>/dev/null; then
      local code=0
      wait "$emulator" || code=$?
      emulator=
      return $((code ? code : 1))
    fi
    sleep 0.5
  done
  grep '^mwaa_magic\.emulator:' "$log" >&2 || true  # its hints (e.g. "no S3 ...") to the terminal, not only the log
}

# configurable-http-proxy for the JupyterHub test tier (tests/hub/), from npm into the cache, never global.
# Its version is tests/hub/conftest.py's CHP_VERSION, which finds it there (or at $MWAA_MAGIC_CHP).
hub_proxy_version=5.3.0
hub_proxy_dir="${MWAA_EMULATOR_CACHE:-$HOME/.cache/mwaa-magic}/configurable-http-proxy-$hub_proxy_version"
hub_proxy_install() {  # once; a few seconds from an empty npm cache
  if [ ! -x "$hub_proxy_dir/node_modules/.bin/configurable-http-proxy" ]; then
    npm install --prefix "$hub_proxy_dir" --no-audit --no-fund --silent "configurable-http-proxy@$hub_proxy_version"
  fi
  export MWAA_MAGIC_CHP="$hub_proxy_dir/node_modules/.bin/configurable-http-proxy"
}
