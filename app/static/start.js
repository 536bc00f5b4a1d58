// The shell; each page's chunks follow when it first shows (__wasm_split.js). Relative to this
// file, which build.sh puts beside them in the build's own directory.
import init from "./main.js";
await init({ module_or_path: new URL("./main_bg.wasm", import.meta.url) });
