#!/usr/bin/env bash
# Builds the portal into dist/ (or $1) without trunk:
#   cargo (wasm32, profile wasm-release) → wasm-bindgen --target web → wasm-opt -Oz → index.html,
# for each of the two modules (the partner area and the staff views).
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

echo "app: cargo build -p upline-app --bins --target wasm32-unknown-unknown --profile $profile"
cargo build -p upline-app --bins --target wasm32-unknown-unknown --profile "$profile"

rm -rf "$out/pkg"
mkdir -p "$out/pkg"
wasm_opt="$root/infra/local/node_modules/.bin/wasm-opt"
[[ -x "$wasm_opt" ]] || echo "app: no wasm-opt in infra/local/node_modules (run \`make tools\`): the wasm stays unoptimised"
# Two modules: the partner area (what everyone loads) and the staff views.
for module in upline-app upline-staff; do
  name="${module//-/_}"
  echo "app: wasm-bindgen $want → $out/pkg/$name.js"
  wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" --out-name "$name" \
    "$target_dir/wasm32-unknown-unknown/$profile/$module.wasm"
  if [[ -x "$wasm_opt" ]]; then
    bg="$out/pkg/${name}_bg.wasm"
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$bg" -o "$bg.opt"
    mv "$bg.opt" "$bg"
  fi
done

cp app/index.html "$out/index.html"
for name in upline_app upline_staff; do
  bg="$out/pkg/${name}_bg.wasm"
  echo "app: $name — wasm $(wc -c < "$bg") B ($(gzip -9 -c "$bg" | wc -c) B gzipped), js glue $(wc -c < "$out/pkg/$name.js") B"
done
echo "app: $out/ ready"
