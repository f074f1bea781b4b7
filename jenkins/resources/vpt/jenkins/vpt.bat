@echo off
rem Run vpt with the arguments VPT_ARG_1 .. VPT_ARG_<VPT_ARG_COUNT>, its standard output into
rem VPT_OUTPUT. vpt comes from PATH, or from a venv in VPT_HOME into which VPT_PIP_PACKAGE
rem (default pytest-vpt) is installed when vpt is not on PATH or a package is asked for.
rem Exit code: vpt's, or 5 when pytest-vpt could not be installed. VPT_TOKEN is read by vpt alone.
rem Values are expanded late (!NAME!), after cmd.exe has parsed the line, so none is parsed.
setlocal EnableExtensions EnableDelayedExpansion
if not defined VPT_HOME set "VPT_HOME=.vpt-jenkins"
if not exist "!VPT_HOME!" mkdir "!VPT_HOME!"
set "VPT_EXE=vpt"
set "VPT_VENV="
if defined VPT_PIP_PACKAGE (set "VPT_VENV=1") else (where vpt >nul 2>nul || set "VPT_VENV=1")
if defined VPT_VENV (
    if not defined VPT_PIP_PACKAGE set "VPT_PIP_PACKAGE=pytest-vpt"
    if not defined VPT_PYTHON set "VPT_PYTHON=python"
    set "VPT_EXE=!VPT_HOME!\venv\Scripts\vpt.exe"
    set "VPT_INSTALLED="
    if exist "!VPT_EXE!" if exist "!VPT_HOME!\venv\.package" set /p VPT_INSTALLED=<"!VPT_HOME!\venv\.package"
    if not "!VPT_INSTALLED!"=="!VPT_PIP_PACKAGE!" (
        echo vpt: installing !VPT_PIP_PACKAGE! into !VPT_HOME!\venv 1>&2
        "!VPT_PYTHON!" -m venv "!VPT_HOME!\venv" || exit /b 5
        "!VPT_HOME!\venv\Scripts\python.exe" -m pip install --quiet --disable-pip-version-check "!VPT_PIP_PACKAGE!" 1>&2 || exit /b 5
        >"!VPT_HOME!\venv\.package" echo(!VPT_PIP_PACKAGE!
    )
)
set "VPT_ARGS="
for /L %%i in (1,1,%VPT_ARG_COUNT%) do set VPT_ARGS=!VPT_ARGS! "!VPT_ARG_%%i!"
"!VPT_EXE!" !VPT_ARGS! >"!VPT_OUTPUT!"
exit /b !ERRORLEVEL!
