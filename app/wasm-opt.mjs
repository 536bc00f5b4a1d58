// `wasm-opt -Oz --strip-debug --strip-producers --strip-target-features` on every module given,
// in one Node process: binaryen's wasm-opt from npm is itself WebAssembly, and starting it once
// per module (a split portal has ~200) costs more than optimising most of them.
// Usage: node app/wasm-opt.mjs FILE.wasm... (each is rewritten in place).
import fs from "node:fs";
import path from "node:path";
import binaryen from "../infra/local/node_modules/binaryen/index.js";

binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);
for (const file of process.argv.slice(2)) {
  const module = binaryen.readBinary(fs.readFileSync(file));
  // What rustc declares in target_features, plus what the linked std uses.
  module.setFeatures(
    module.getFeatures() |
      binaryen.Features.BulkMemory |
      binaryen.Features.BulkMemoryOpt |
      binaryen.Features.NontrappingFPToInt,
  );
  // A chunk group (app/merge-chunks.py) exports the shared imports only for wasm-merge's sake;
  // nothing reads a chunk's exports.
  if (path.basename(file).startsWith("group_")) {
    for (let i = module.getNumExports() - 1; i >= 0; i--) {
      module.removeExport(binaryen.getExportInfo(module.getExportByIndex(i)).name);
    }
  }
  module.optimize();
  module.runPasses(["strip-debug", "strip-producers", "strip-target-features"]);
  fs.writeFileSync(file, module.emitBinary());
  module.dispose();
}
