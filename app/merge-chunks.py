#!/usr/bin/env python3
"""Fuses wasm-split's chunks into fewer modules. Usage: merge-chunks.py SPLIT_DIR OUT_DIR.

wasm-split-cli cuts the portal into one module per set of pages that share code: ~190 modules,
half of them under 300 bytes gzipped, and a page such as the dashboard needs over 100 of them.
Each pays its own module header, imports and gzip stream, so a page's chunks weigh about a third
more apart than together. A page visitors reach before logging in gets all of its chunks fused
into one module of its own. The others share modules, grouped greedily: two groups merge when
the bytes the pages that need both save outweigh the bytes the pages that need only one start to
carry, weighting partners' pages over staff views. Each group becomes one module (binaryen's
wasm-merge), and the loader (__wasm_split.js) is rewritten so a page fetches its groups in
parallel, each once.

Every chunk imports the same memory, table and stack pointer from `__wasm_split`: fusing them
needs only those imports shared (a tiny module named `__wasm_split` re-exports them from
`__wasm_split_outer`, which the loader aliases). Nearly every chunk writes only table slots and
read-only data, so one in two modules may load twice; the few that also initialise writable
statics are checked never to be in two."""

import gzip
import pathlib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

split_dir, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
root = pathlib.Path(__file__).resolve().parent.parent
binaryen = root / "infra/local/node_modules/binaryen/bin"

loader = (split_dir / "__wasm_split.js").read_text()
# const __chunk_7 = makeLoad(() => { const src = fetch(new URL("./chunk_7.wasm", ...)); ... }, []);
# export const __wasm_split_load_<name>_<hash> = wrapAsyncCb(makeLoad(() => { ... "./split_….wasm" ... }, [__chunk_1, …]));
module_load = re.compile(
    r'(?:/\*[^*]*\*/\s*)?(export )?const (__\w+)\s*=\s*(wrapAsyncCb\()?makeLoad\(\(\)\s*=>\s*\{\s*'
    r'const src = fetch\(new URL\("\./([^"]+)", import\.meta\.url\)\);.*?\}\s*,\s*\[([^\]]*)\]\)\)?;',
    re.S,
)
matches = list(module_load.finditer(loader))
if not matches or len(matches) != loader.count("makeLoad(() =>"):
    sys.exit("merge-chunks: __wasm_split.js is not in the shape wasm-split-cli 0.2.4 writes")
header = loader[: matches[0].start()]
alias_anchor = "Object.assign(sharedImports.__wasm_split, "
if alias_anchor not in header:
    sys.exit("merge-chunks: no shared imports in __wasm_split.js to alias")
header = header.replace(
    alias_anchor,
    "sharedImports.__wasm_split_outer = sharedImports.__wasm_split;\n        " + alias_anchor,
    1,
)

chunk_file = {}  # __chunk_7 -> chunk_7.wasm
split_points = {}  # __wasm_split_load_<name>_<hash> -> files it needs
for m in matches:
    exported, name, _, file, deps = m.groups()
    if exported:
        split_points[name] = [file] + [d.strip() for d in deps.split(",") if d.strip()]
    else:
        chunk_file[name] = file
split_points = {
    name: {chunk_file.get(f, f) for f in files} for name, files in split_points.items()
}

PUBLIC = ("login", "start", "register", "confirm_email", "set_password", "forgot_password")
PARTNER = ("referrals", "commissions", "invite", "payouts", "security")
LANGUAGES = ("polish", "russian", "ukrainian")


def short(point: str) -> str:
    return re.sub(r"^__wasm_split_load_|_\d+$", "", point).removesuffix("_page_view")


# A page a visitor reaches before logging in (from a referral link, an invitation, an email) is
# fetched as one module of exactly the code it runs: it is the first impression and the budget's
# page. Code it shares with other pages is also in their modules, so moving on from it may fetch
# some twice; loading a chunk's functions again only rewrites their table slots with the same
# code.
bundled = {point: frozenset(files) for point, files in split_points.items() if short(point) in PUBLIC}

# The other pages share modules. What a first visit to each downloads (pages behind the login
# also decode /v1/me), and how much its bytes count: a partner's page (and the security page
# every user has) twice a staff view, the
# dashboard, where partners land, twice that; a part fetched after its page has shown (a form
# when opened, the charts, a language's texts) a quarter.
me_point = next((p for p in split_points if short(p) == "fetch_me"), None)
visits = []
for point, files in split_points.items():
    page = short(point)
    if page == "fetch_me" or point in bundled:
        continue
    needs = set(files)
    if page not in LANGUAGES and me_point:
        needs |= split_points[me_point]
    weight = 4 if page == "dashboard" else 2 if page in PARTNER else 1 if "_page_view" in point else 0.25
    visits.append((weight, needs))

size = {f: len(gzip.compress((split_dir / f).read_bytes(), 9)) for p in split_points.values() for f in p}
# What fusing two modules is worth to a page that needs both, in gzipped bytes: ~300 of module
# header, imports and gzip stream, and one request fewer. (Tried 350–1,500: 900 made every page
# smaller than wasm-split's own cut; more starts adding code to pages that do not run it.)
SAVED_PER_MERGE = 900

shared = sorted({f for point, files in split_points.items() if point not in bundled for f in files})
groups = [frozenset([f]) for f in shared]
group_size = {g: size[next(iter(g))] for g in groups}


def gain(a, b):
    """Weighted bytes saved by fusing groups a and b (negative: it costs)."""
    total = 0.0
    for weight, needs in visits:
        has_a, has_b = not a.isdisjoint(needs), not b.isdisjoint(needs)
        if has_a and has_b:
            total += weight * SAVED_PER_MERGE
        elif has_a:
            total -= weight * group_size[b]
        elif has_b:
            total -= weight * group_size[a]
    return total


while True:
    best = None
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            g = gain(a, b)
            if g > 0 and (best is None or g > best[0]):
                best = (g, a, b)
    if best is None:
        break
    _, a, b = best
    merged = a | b
    group_size[merged] = group_size[a] + group_size[b] - SAVED_PER_MERGE
    groups = [g for g in groups if g not in (a, b)] + [merged]
groups.sort(key=lambda g: min(g))
shared_groups = len(groups)
groups += sorted(bundled.values(), key=min)


def leb128(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def writable_bytes(path: pathlib.Path) -> int:
    """Bytes a module writes into statics that change at run time (its .data, .bss and .tdata
    segments, named in its name section): loading such a module a second time would reset them."""
    data = path.read_bytes()
    lengths, names, at = [], {}, 8
    while at < len(data):
        section, at = data[at], at + 1
        size, at = leb128(data, at)
        body, at = data[at : at + size], at + size
        if section == 11:  # data: flags, the offset expression of an active segment, the bytes
            count, i = leb128(body, 0)
            for _ in range(count):
                flags, i = leb128(body, i)
                if flags == 2:
                    _, i = leb128(body, i)
                if flags in (0, 2):
                    i = body.index(0x0B, i) + 1
                length, i = leb128(body, i)
                lengths.append(length)
                i += length
        elif section == 0 and body[1 : 1 + body[0]] == b"name":
            i = 1 + body[0]
            while i < len(body):
                kind, i = body[i], i + 1
                size, i = leb128(body, i)
                end = i + size
                if kind == 9:  # data segment names
                    count, i = leb128(body, i)
                    for _ in range(count):
                        index, i = leb128(body, i)
                        length, i = leb128(body, i)
                        names[index] = body[i : i + length].decode()
                        i += length
                i = end
    return sum(n for k, n in enumerate(lengths) if names.get(k, ".data").startswith((".data", ".bss", ".tdata")))


# A chunk in a page's own module and in another module may be instantiated twice: that is only
# harmless while it writes code and read-only data alone.
in_groups = {}
for group in groups:
    for f in group:
        in_groups[f] = in_groups.get(f, 0) + 1
twice = sorted(f for f, count in in_groups.items() if count > 1 and writable_bytes(split_dir / f))
if twice:
    sys.exit(f"merge-chunks: {', '.join(twice)} would be loaded twice but hold writable statics")

out_dir.mkdir(parents=True, exist_ok=True)
provider = out_dir / "__wasm_split_provider.wasm"
# The re-exported memory and table must declare the sizes the chunks import them at.
text = subprocess.run(
    ["node", str(binaryen / "wasm-dis"), str(split_dir / min(size))], check=True, capture_output=True, text=True
).stdout
memory_pages = re.search(r'\(import "__wasm_split" "memory" \(memory \S+ (\d+)', text).group(1)
table_slots = re.search(r'\(import "__wasm_split" "__indirect_function_table" \(table \S+ (\d+)', text).group(1)
subprocess.run(
    ["node", str(binaryen / "wasm-as"), "--enable-mutable-globals", "-o", str(provider), "-"],
    check=True,
    input=f"""(module
  (import "__wasm_split_outer" "memory" (memory $m {memory_pages}))
  (import "__wasm_split_outer" "__indirect_function_table" (table $t {table_slots} funcref))
  (import "__wasm_split_outer" "__wasm_split_shared0" (global $sp (mut i32)))
  (export "memory" (memory $m))
  (export "__indirect_function_table" (table $t))
  (export "__wasm_split_shared0" (global $sp)))""".encode(),
)
FEATURES = ["--enable-bulk-memory", "--enable-mutable-globals", "--enable-sign-ext",
            "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue"]
# A group holding a split point's own module is named after it, as wasm-split names that module
# (split_<name>_<hash>.wasm): which pages a browser fetched stays readable.
group_name = []
group_of = {}  # chunk file -> index of its shared group
for n, group in enumerate(groups):
    own = sorted(re.sub(r"^split_|(_\d+)?\.wasm$", "", f) for f in group if f.startswith("split_"))
    group_name.append(f"group_{n}" + "".join(f"_{name}" for name in own) + ("_" if own else "") + ".wasm")
    if n < shared_groups:
        group_of.update((f, n) for f in group)


def fuse(n: int) -> None:
    """Writes group n as one module (a group of one is the chunk as it is)."""
    group = groups[n]
    name = out_dir / group_name[n]
    if len(group) == 1:
        name.write_bytes((split_dir / next(iter(group))).read_bytes())
        return
    command = ["node", str(binaryen / "wasm-merge"), str(provider), "__wasm_split"]
    for i, f in enumerate(sorted(group)):
        command += [str(split_dir / f), f"m{i}"]
    result = subprocess.run(command + ["-o", str(name)] + FEATURES, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"merge-chunks: wasm-merge failed on {name.name}:\n{result.stderr[-2000:]}")


with ThreadPoolExecutor(max_workers=2) as pool:
    list(pool.map(fuse, range(len(groups))))
provider.unlink()

parts = [header]
for n, group in enumerate(groups):
    users = sorted(short(p) for p, files in split_points.items() if not group.isdisjoint(files))
    parts.append(
        f"/* {', '.join(users)} */\n"
        f"const __group_{n} = makeLoad(() => {{\n"
        f'    const src = fetch(new URL("./{group_name[n]}", import.meta.url));\n'
        "    src.catch(() => {});\n"
        "    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n"
        "}, []);\n"
    )
for point, files in sorted(split_points.items()):
    if point in bundled:
        needed = [groups.index(bundled[point])]
    else:
        needed = sorted({group_of[f] for f in files})
    deps = ", ".join(f"__group_{n}" for n in needed)
    # Every group is a dependency (fetched once however many pages need it); nothing of its own.
    parts.append(f"export const {point} = wrapAsyncCb(makeLoad(() => async () => {{}}, [{deps}]));\n")
(out_dir / "__wasm_split.js").write_text("".join(parts))
print(f"merge-chunks: {len(size)} chunks into {len(groups)} modules")
