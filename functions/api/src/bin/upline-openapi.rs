//! Writes the OpenAPI document `/openapi.json` serves to `docs/openapi.json`, so a clone has the
//! contract without running anything (a test checks the two are the same).

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let text = upline_api::openapi::document_text();
    std::fs::write(&path, text).expect("docs/ is writable");
    println!("wrote {}", path.display());
}
