# Sourced by the test scripts: sets BIN to the folder of built products, building PRODUCTS first
# with `swift build` (debug) unless BIN is already set (to use another build, e.g. a release one).
# Usage: source Scripts/built-products.sh PRODUCT...
if [ -z "${BIN:-}" ]; then
  for product in "$@"; do swift build --product "$product" >/dev/null; done
  BIN=$(swift build --show-bin-path)
fi
