#!/usr/bin/env bash
# Makes sure the real SAML peers and the browser that the interop and e2e tests run are installed,
# and installs the missing ones from Debian's packages.
#
#   xmlsec1            XML Signature verification (Debian package xmlsec1)
#   xmllint            XSD validation against the SAML schemas (libxml2-utils)
#   /usr/bin/python3   with pysaml2 importable, and pysaml2's SAML schemas (python3-pysaml2)
#   /usr/bin/chromium  headless browser for the e2e tests (chromium)
#
# Runs `apt-get update` and `apt-get install` only when something is missing, which needs root.
# Exits 0 when every peer is present at the end, and 1 with the missing peers named otherwise, so
# that a test run stops here instead of skipping tests.
set -euo pipefail

readonly pysaml2_schemas=/usr/lib/python3/dist-packages/saml2/data/schemas

# Each check prints the Debian package to install when its peer is missing.
check_xmlsec1() { command -v xmlsec1 >/dev/null 2>&1 || echo xmlsec1; }
check_xmllint() { command -v xmllint >/dev/null 2>&1 || echo libxml2-utils; }
check_chromium() { [[ -x /usr/bin/chromium ]] || echo chromium; }

check_pysaml2() {
  if [[ ! -x /usr/bin/python3 ]] || ! /usr/bin/python3 -c 'import saml2' >/dev/null 2>&1 ||
    [[ ! -f $pysaml2_schemas/saml-schema-protocol-2.0.xsd ]]; then
    echo python3-pysaml2
  fi
}

missing_packages() {
  check_xmlsec1
  check_xmllint
  check_pysaml2
  check_chromium
}

# Names each missing package with the peer it provides, for messages.
describe() {
  local package peers=()
  for package in "$@"; do
    case $package in
      xmlsec1) peers+=("xmlsec1 (package xmlsec1)") ;;
      libxml2-utils) peers+=("xmllint (package libxml2-utils)") ;;
      python3-pysaml2) peers+=("/usr/bin/python3 with pysaml2 (package python3-pysaml2)") ;;
      chromium) peers+=("/usr/bin/chromium (package chromium)") ;;
    esac
  done
  local peer joined=''
  for peer in "${peers[@]}"; do
    joined+="${joined:+, }$peer"
  done
  echo "$joined"
}

fail() {
  echo "ensure-peers: $*" >&2
  exit 1
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
  echo "ensure-peers: xmlsec1, xmllint, python3 with pysaml2 and chromium are installed"
  exit 0
fi

echo "ensure-peers: missing $(describe "${missing[@]}")"
install_command="apt-get update && apt-get install -y ${missing[*]}"

if ((EUID != 0)); then
  fail "cannot install ${missing[*]} without root; run as root: $install_command"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "cannot install ${missing[*]}: apt-get not found (Sesame's test machines run Debian)"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update || fail "apt-get update failed, so ${missing[*]} could not be installed"
apt-get install -y "${missing[@]}" || fail "apt-get install failed for: ${missing[*]}"

mapfile -t still_missing < <(missing_packages)
if ((${#still_missing[@]} > 0)); then
  fail "still missing after apt-get install: $(describe "${still_missing[@]}")"
fi
echo "ensure-peers: installed ${missing[*]}"
