#!/usr/bin/env bash
# Builds the portal into dist/ (or $1) without trunk:
#   cargo +nightly (wasm32, profile wasm-release, std rebuilt) → wasm-split-cli (a chunk per `#[lazy]` function: each page)
#   → merge-chunks.py (wasm-split's ~200 chunks fused into fewer) → wasm-bindgen --target web
#   → wasm-opt -Oz on every module → terser on the JS → index.html.
# Needs: the nightly named in app/wasm-toolchain with rust-src, wasm-bindgen-cli at the Cargo.lock version and
# wasm-split-cli (`make tools` installs them); node and binaryen from infra/local/node_modules
# (wasm-merge for the chunks; wasm-opt), terser (optional, smaller JS).
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
if ! command -v node > /dev/null || [[ ! -f "$root/infra/local/node_modules/binaryen/index.js" ]]; then
  echo "app: node or binaryen (infra/local/node_modules) missing: run \`make tools\`" >&2
  exit 1
fi
# The pinned toolchain of the release build (app/wasm-toolchain; `make tools` installs it).
nightly="$(cat "$root/app/wasm-toolchain")"
if ! rustup component list --installed --toolchain "$nightly" 2>/dev/null | grep -q '^rust-src'; then
  echo "app: $nightly with rust-src missing: run \`make tools\`" >&2
  exit 1
fi
if ! command -v wasm-split-cli > /dev/null; then
  echo "app: wasm-split-cli missing: run \`make tools\`" >&2
  exit 1
fi

# Only this build is on nightly (everything else, the portal's lint and tests included, is
# stable): std is rebuilt so that a panic aborts on the spot, and neither panic messages and
# locations nor Debug formatting are compiled in — about 17 KB gzipped off every page (see
# BENCHMARKS.md). The flags add to .cargo/config.toml's.
echo "app: cargo +$nightly build -p upline-app --target wasm32-unknown-unknown --profile $profile (std rebuilt, panics abort)"
cargo "+$nightly" build -Zbuild-std=std,panic_abort \
  --config 'target.wasm32-unknown-unknown.rustflags = ["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Zfmt-debug=none"]' \
  -p upline-app --bin upline-app --target wasm32-unknown-unknown --profile "$profile"

split="$target_dir/wasm-split"
rm -rf "$split" "$out/pkg"
mkdir -p "$split" "$out/pkg"
echo "app: wasm-split-cli → the shell (main.wasm) and the pages' chunks"
wasm-split-cli "$target_dir/wasm32-unknown-unknown/$profile/upline-app.wasm" "$split"
echo "app: merge-chunks.py → fewer, larger chunks (binaryen's wasm-merge)"
python3 app/merge-chunks.py "$split" "$split/groups" 2>&1 | { grep -v "unknown name subsection" || true; }
# The chunks' loader (__wasm_split.js) imports the shell's glue as ./main.js.
echo "app: wasm-bindgen $want → $out/pkg/main.js"
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$out/pkg" --out-name main "$split/main.wasm"
cp "$split/groups/__wasm_split.js" "$split"/groups/group_*.wasm "$out/pkg/"
# The page's style and its two small scripts are files, not inline, for the CSP (no 'unsafe-inline').
cp app/static/portal.css app/static/stopped.js app/static/start.js "$out/pkg/"

count="$(ls "$out"/pkg/*.wasm | wc -l)"
echo "app: wasm-opt -Oz (binaryen.js, app/wasm-opt.mjs) on $count modules, two processes"
# Binaryen warns about the name subsection rustc writes for data segments; it is dropped anyway.
ls "$out"/pkg/*.wasm | xargs -P 2 -n $(((count + 1) / 2)) node app/wasm-opt.mjs 2>&1 \
  | { grep -v "unknown name subsection" || true; } >&2

terser="$root/infra/local/node_modules/.bin/terser"
if [[ -x "$terser" ]]; then
  echo "app: terser on main.js and __wasm_split.js"
  "$terser" --module --compress --mangle --output "$out/pkg/main.js.min" -- "$out/pkg/main.js"
  # The loader keeps its top-level names: which chunks a page needs stays readable (size.py).
  "$terser" --compress --mangle --output "$out/pkg/__wasm_split.js.min" -- "$out/pkg/__wasm_split.js"
  mv "$out/pkg/main.js.min" "$out/pkg/main.js"
  mv "$out/pkg/__wasm_split.js.min" "$out/pkg/__wasm_split.js"
else
  echo "app: no terser in infra/local/node_modules (run \`make tools\`): the JS stays as written"
fi

# The modules of one build only work together: they go under a directory named by their content,
# so a cached index.html of the previous deploy still finds its own chunks, and a new one never
# meets stale ones (`aws s3 sync` keeps the old directory).
build_id="$(cat "$out"/pkg/*.wasm "$out"/pkg/*.js "$out"/pkg/*.css | sha256sum | cut -c1-12)"
mkdir -p "$out/pkg/$build_id"
find "$out/pkg" -maxdepth 1 -type f -exec mv {} "$out/pkg/$build_id/" \;
sed "s|/pkg/|/pkg/$build_id/|g" app/index.html > "$out/index.html"

# widget.js for tenants' sites: the tracker, then the lead form and panel, one file (no module,
# no framework). `/widget.js` is short-cached; `/widget/<hash>.js` is the same file, immutable.
echo "app: widget.js (app/widget: tracker.js + form.js)"
mkdir -p "$out/widget"
if [[ -x "$terser" ]]; then
  cat app/widget/tracker.js app/widget/form.js | "$terser" --compress --mangle --output "$out/widget.js"
  "$terser" --compress --mangle --output "$out/widget/tracker.js" -- app/widget/tracker.js
else
  cat app/widget/tracker.js app/widget/form.js > "$out/widget.js"
  cp app/widget/tracker.js "$out/widget/tracker.js"
fi
widget_id="$(sha256sum "$out/widget.js" | cut -c1-12)"
cp "$out/widget.js" "$out/widget/$widget_id.js"
echo "app: $out/ ready"
