#!/bin/sh
# Run vpt with the arguments VPT_ARG_1 .. VPT_ARG_<VPT_ARG_COUNT>, its standard output into
# VPT_OUTPUT. vpt comes from PATH, or from a venv in VPT_HOME into which VPT_PIP_PACKAGE
# (default pytest-vpt) is installed when vpt is not on PATH or a package is asked for.
# Exit code: vpt's, or 5 when pytest-vpt could not be installed. VPT_TOKEN is read by vpt alone.
set -u
home=${VPT_HOME:-.vpt-jenkins}
mkdir -p "$home"
if [ -z "${VPT_PIP_PACKAGE:-}" ] && command -v vpt >/dev/null 2>&1; then
    vpt=vpt
else
    package=${VPT_PIP_PACKAGE:-pytest-vpt}
    vpt=$home/venv/bin/vpt
    if [ ! -x "$vpt" ] || [ "$(cat "$home/venv/.package" 2>/dev/null)" != "$package" ]; then
        echo "vpt: installing $package into $home/venv" >&2
        if ! { "${VPT_PYTHON:-python3}" -m venv "$home/venv" &&
               "$home/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package" >&2; }; then
            echo "vpt: could not install $package" >&2
            exit 5
        fi
        printf '%s' "$package" >"$home/venv/.package"
    fi
fi
set --
i=1
while [ "$i" -le "${VPT_ARG_COUNT:-0}" ]; do
    eval "set -- \"\$@\" \"\${VPT_ARG_$i}\""
    i=$((i + 1))
done
"$vpt" "$@" >"$VPT_OUTPUT"
