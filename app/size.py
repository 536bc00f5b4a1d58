#!/usr/bin/env python3
"""What a browser downloads for each page of the portal, gzipped: the shell (main_bg.wasm, its
JS glue main.js, the chunk loader __wasm_split.js) plus the chunks the page's split point needs,
as __wasm_split.js lists them (app/merge-chunks.py writes it). Usage: size.py DIST_DIR (`make size`)."""

import gzip
import pathlib
import re
import sys

BUDGET = 150 * 1024

dist = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
# index.html starts the build's shell from /pkg/<build id>/start.js.
shell_path = re.search(r'src="(/pkg/[0-9a-f]+/)start\.js"', (dist / "index.html").read_text())
if not shell_path:
    sys.exit(f"size: {dist}/index.html loads no /pkg/<build id>/start.js")
pkg = dist / shell_path.group(1).strip("/")
loader = (pkg / "__wasm_split.js").read_text()


def gzipped(name: str) -> int:
    return len(gzip.compress((pkg / name).read_bytes(), 9))


shell_files = ["main_bg.wasm", "main.js", "__wasm_split.js", "start.js", "stopped.js", "portal.css"]
shell = sum(gzipped(f) for f in shell_files)
print(
    "size: shell   "
    + " + ".join(f"{f} {gzipped(f) / 1024:.1f}" for f in shell_files)
    + f" = {shell / 1024:.1f} KB gzipped"
)

# app/merge-chunks.py writes the loader as one `makeLoad` per chunk group and, per split point,
#   export const __wasm_split_load_<name>[_<hash>] = wrapAsyncCb(makeLoad(() => async () => {}, [__group_1, …]));
# (terser drops the spaces and may rename `src`.)
group_file = dict(
    re.findall(r'(__group_\d+)\s*=\s*makeLoad\(\(\)\s*=>\s*\{\s*(?:const|let|var) \w+\s*=\s*fetch\(new URL\("\./([^"]+)"', loader)
)
split_point = re.compile(
    r'export const __wasm_split_load_(\w+?)(?:_\d+)?\s*=\s*wrapAsyncCb\(makeLoad\(\(\)\s*=>\s*async\s*\(\)\s*=>\s*\{\s*\}\s*,\s*\[([^\]]*)\]'
)
splits = {
    name: {group_file[d.strip()] for d in deps.split(",") if d.strip()}
    for name, deps in split_point.findall(loader)
}
# Pages behind the login also load /v1/me's decoder (`fetch_me`) alongside their own chunks.
PUBLIC = {"login", "start", "register", "confirm_email", "set_password", "forgot_password"}
pages = []
for name, files in splits.items():
    if not name.endswith("_page_view"):
        continue
    page = name.removesuffix("_page_view")
    if page not in PUBLIC:
        files = files | splits.get("fetch_me", set())
    pages.append((page, len(files), sum(gzipped(f) for f in files)))
if not pages:
    sys.exit("size: no page split points found in __wasm_split.js")

for page, count, chunks in sorted(pages, key=lambda p: p[2]):
    total = shell + chunks
    mark = "ok  " if total <= BUDGET else "over"
    print(f"size: {mark} {page:<16} shell + {count:2d} chunks {chunks / 1024:6.1f} KB = {total / 1024:6.1f} KB")
# A visitor whose language is not English also fetches that language's words before the first page.
languages = [(name, sum(gzipped(f) for f in splits[name])) for name in ("polish", "russian", "ukrainian") if name in splits]
if languages:
    print("size: + the texts in " + ", ".join(f"{name.capitalize()} {size / 1024:.1f}" for name, size in languages) + " KB for a visitor in that language")
# Code a page fetches only once it has shown, or when a form is opened (the dashboard's QR and
# latest entries, its payout form, the earnings charts below the tables, staff views' forms):
# what it adds to what the page has already loaded.
LATER = {
    "share_extras": ("the QR code and share buttons, once the page shows", ("dashboard",)),
    "recent_activity": ("the latest entries, once the page shows", ("dashboard",)),
    "payout_form": ("the payout form, when opened", ("dashboard",)),
    "earnings_charts": ("the earnings charts, once the page shows", ("commissions", "dashboard")),
    "add_partner_form": ("the form adding a partner, once the page shows", ("staff_partners",)),
    "adjust_form": ("a wallet adjustment, when opened", ("staff_partners",)),
    "sponsor_editor": ("a change of sponsor, when opened", ("staff_partners",)),
    "reject_form": ("a rejection with its reason, when opened", ("staff_payouts",)),
    "add_user_form": ("the form adding a staff user, once the page shows", ("staff_users",)),
    "user_editor": ("a user's permissions, when opened", ("staff_users",)),
    "deal_found": ("a deal's history and commissions, with the first deal found", ("deal_lookup",)),
    "program_aside": ("the simulator and the terms upload, once the page shows", ("program",)),
    "brought_in": ("the leads and deals brought in, once the page shows", ("referrals",)),
}
for name, (what, users) in LATER.items():
    if name in splits:
        added = []
        for page in users:
            loaded = splits[page + "_page_view"] | splits.get("fetch_me", set())
            added.append(f"{page} {sum(gzipped(f) for f in splits[name] - loaded) / 1024:.1f}")
        print(f"size: later {what}: " + ", ".join(added) + " KB")
everything = sum(gzipped(p.name) for p in pkg.iterdir() if p.suffix in (".wasm", ".js", ".css"))
print(f"size: all pages together {everything / 1024:.1f} KB gzipped; budget per first page 150 KB")

# The widget on tenants' sites: the tracker alone within 2 KB, everything (the form and panel
# too) within 5 KB, gzipped.
widget = dist / "widget.js"
tracker = dist / "widget" / "tracker.js"
if widget.is_file() and tracker.is_file():
    for label, path, budget in (("tracker", tracker, 2048), ("widget.js", widget, 5120)):
        size = len(gzip.compress(path.read_bytes(), 9))
        mark = "ok  " if size <= budget else "over"
        print(f"size: {mark} {label:<10} {size / 1024:.2f} KB gzipped (budget {budget / 1024:.0f} KB)")
        if size > budget:
            sys.exit(f"size: {label} is over its budget")
else:
    sys.exit(f"size: no {widget} (app/build.sh builds it)")
