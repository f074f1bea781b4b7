#!/usr/bin/env bash
# Regenerates <producer>/report.xml by running <producer>/suite/ with the real tool.
#
# The tests never run this (a fresh machine has none of these tools): the committed reports are
# the data, and each expected.json was written by hand from its suite and the tool's console output.
#
# The reports were made on Debian 12 (x86_64) with:
#   pytest 9.0.3, pytest-rerunfailures 16.7, pytest-xdist 3.8.0, unittest-xml-reporting 4.0.0
#     (PyPI, installed into a venv here) on Python 3.11
#   jest 30.5.2 + jest-junit 17.0.0, mocha 11.7.5 + mocha-junit-reporter 2.2.1, vitest 3.2.7
#     (npm, installed here) and `node --test` of Node.js 22.20.0
#   Ant 1.10.13 + JUnit 4.13.2 on OpenJDK 17.0.15 (apt-get install -y ant ant-optional junit4)
#   Maven 3.8.7 + Surefire 2.22.3 (apt-get install -y maven libsurefire-java): with no Maven
#     Central, surefire/suite/settings.xml resolves every artifact from Debian's own repository,
#     and as Debian has no compiler plugin this script compiles the test classes with javac and
#     runs the surefire:test goal alone.
# What did not work: mocha 12 with mocha-junit-reporter 2.2.1 ("Class constructor Base cannot be
# invoked without 'new'"), hence mocha 11.
#
# Usage: tests/data/junit/make.sh [PRODUCER...]   (default: all of them)
# Tools and runs go under $WORK (default ${TMPDIR:-/tmp}/vpt-junit); $PYTHON is the Python used.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/vpt-junit}
PYTHON=${PYTHON:-python3}
PYTHON_TOOLS=(pytest==9.0.3 pytest-rerunfailures==16.7 pytest-xdist==3.8.0 unittest-xml-reporting==4.0.0)
NODE_TOOLS=(jest@30.5.2 jest-junit@17.0.0 mocha@11.7.5 mocha-junit-reporter@2.2.1 vitest@3.2.7)
PRODUCERS=(pytest pytest-xdist unittest jest mocha vitest node-test ant surefire)

python_tools() {
  if [ ! -x "$WORK/venv/bin/pytest" ]; then
    "$PYTHON" -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q "${PYTHON_TOOLS[@]}"
  fi
}

node_tools() {
  if [ ! -d "$WORK/node/node_modules/mocha-junit-reporter" ]; then
    mkdir -p "$WORK/node"
    echo '{"private": true}' > "$WORK/node/package.json"
    npm install --prefix "$WORK/node" --no-audit --no-fund --loglevel=error "${NODE_TOOLS[@]}"
  fi
  ln -sfn "$WORK/node/node_modules" node_modules
}

# A fresh copy of the producer's suite as the current folder (the suite's failures are expected).
enter() {
  rm -rf "${WORK:?}/$1"
  mkdir -p "$WORK/$1"
  cp -RL "$HERE/$1/suite/." "$WORK/$1"
  cd "$WORK/$1"
  echo "== $1 (in $WORK/$1)"
}

# Copy the report the tool wrote into the producer's folder.
keep() {
  test -s "$2" || { echo "$1: the tool wrote no report ($2)" >&2; exit 1; }
  cp "$2" "$HERE/$1/report.xml"
}

make_pytest() {
  python_tools; enter pytest
  "$WORK/venv/bin/pytest" -p no:cacheprovider --reruns 2 --junitxml=report.xml -rA tests || true
  keep pytest report.xml
}

# Under xdist the attempts of one test are not adjacent; xunit1 adds the file and line attributes.
make_pytest_xdist() {
  python_tools; enter pytest-xdist
  "$WORK/venv/bin/pytest" -p no:cacheprovider -n 2 --reruns 2 -o junit_family=xunit1 \
    --junitxml=report.xml -rA tests || true
  keep pytest-xdist report.xml
}

make_unittest() {
  python_tools; enter unittest
  "$WORK/venv/bin/python" -m xmlrunner --output-file report.xml || true
  keep unittest report.xml
}

# jest-junit leaves out a test file that fails to load unless reportTestSuiteErrors is on.
make_jest() {
  enter jest; node_tools
  JEST_JUNIT_OUTPUT_NAME=report.xml JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true npx jest --ci || true
  keep jest report.xml
}

make_mocha() {
  enter mocha; node_tools
  npx mocha --reporter spec sample.spec.js || true
  npx mocha --reporter mocha-junit-reporter --reporter-options mochaFile=report.xml sample.spec.js || true
  keep mocha report.xml
}

make_vitest() {
  enter vitest; node_tools
  npx vitest run || true
  keep vitest report.xml
}

make_node_test() {
  enter node-test
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination=report.xml sample.test.mjs || true
  keep node-test report.xml
}

make_ant() {
  enter ant
  ant
  keep ant build/reports/TEST-sample.SampleTest.xml
}

make_surefire() {
  enter surefire
  mkdir -p target/test-classes
  javac -d target/test-classes -cp /usr/share/java/junit4.jar src/test/java/sample/SampleTest.java
  mvn -B -s settings.xml surefire:test || true
  keep surefire target/surefire-reports/TEST-sample.SampleTest.xml
}

versions() {
  echo "== versions"
  [ -x "$WORK/venv/bin/python" ] && "$WORK/venv/bin/python" -m pip list 2>/dev/null \
    | grep -iE '^(pytest|pytest-rerunfailures|pytest-xdist|unittest-xml-reporting) '
  [ -d "$WORK/node" ] && (cd "$WORK/node" && npm ls --depth=0 2>/dev/null | tail -n +2)
  echo "node $(node --version)"
  command -v ant >/dev/null && ant -version
  command -v mvn >/dev/null && mvn -v 2>/dev/null | head -1
  java -version 2>&1 | head -1
}

mkdir -p "$WORK"
[ $# -gt 0 ] || set -- "${PRODUCERS[@]}"
for producer in "$@"; do
  case " ${PRODUCERS[*]} " in
    *" $producer "*) (set -e; "make_${producer//-/_}") ;;
    *) echo "unknown producer: $producer (one of: ${PRODUCERS[*]})" >&2; exit 2 ;;
  esac
done
versions
