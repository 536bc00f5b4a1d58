//! Writes `infra/template.yaml`; with `--check`, fails if the file differs from what it would write.

fn main() -> anyhow::Result<()> {
    let path = upline_sam::template_path();
    let generated = upline_sam::template_yaml();
    if std::env::args().any(|arg| arg == "--check") {
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::ensure!(
            on_disk == generated,
            "{} is stale: run `cargo run -p upline-sam`",
            path.display()
        );
        println!("{} is up to date", path.display());
        return Ok(());
    }
    std::fs::write(&path, generated)?;
    println!("wrote {}", path.display());
    Ok(())
}
