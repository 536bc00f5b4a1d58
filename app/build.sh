#!/usr/bin/env bash
# Builds the portal into dist/ (or $1) without trunk:
#   cargo (wasm32, profile wasm-release) → wasm-bindgen --target web → wasm-opt -Oz → index.html.
# Needs: the wasm32-unknown-unknown target and wasm-bindgen-cli at the Cargo.lock version
# (`make tools` installs both); wasm-opt from infra/local/node_modules (optional, smaller output).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-dist}"
profile="${UPLINE_WASM_PROFILE:-wasm-release}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$have" != "$want" ]]; then
  echo "app: wasm-bindgen-cli ${have:-missing}, Cargo.lock wants $want: run \`make tools\`" >&2
  exit 1
fi

echo "app: cargo build -p upline-app --target wasm32-unknown-unknown --profile $profile"
cargo build -p upline-app --target wasm32-unknown-unknown --profile "$profile"
wasm="$target_dir/wasm32-unknown-unknown/$profile/upline-app.wasm"

echo "app: wasm-bindgen $want → $out/pkg"
rm -rf "$out/pkg"
mkdir -p "$out/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" --out-name upline_app "$wasm"

wasm_opt="$root/infra/local/node_modules/.bin/wasm-opt"
bg="$out/pkg/upline_app_bg.wasm"
if [[ -x "$wasm_opt" ]]; then
  echo "app: wasm-opt -Oz ($("$wasm_opt" --version))"
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$bg" -o "$bg.opt"
  mv "$bg.opt" "$bg"
else
  echo "app: no wasm-opt in infra/local/node_modules (run \`make tools\`): the wasm stays unoptimised"
fi

cp app/index.html "$out/index.html"
raw=$(wc -c < "$bg")
gz=$(gzip -9 -c "$bg" | wc -c)
js=$(wc -c < "$out/pkg/upline_app.js")
echo "app: $out/ ready — wasm ${raw} B (${gz} B gzipped), js glue ${js} B"
