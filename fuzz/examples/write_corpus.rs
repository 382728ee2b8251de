//! Writes every target's seeds into `fuzz/corpus/TARGET/seed-N`, after a harness
//! changed its seeds; inputs that long runs added are left alone. The replay
//! test fails until the corpus holds the current seeds.
//!
//! ```text
//! cargo run -p timecoin-fuzz --example write_corpus
//! ```

use std::path::Path;

use timecoin_fuzz::{TARGETS, seeds};

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, _) in TARGETS {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        for (i, seed) in seeds(target).iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed)?;
        }
        println!("{target}: {}", dir.display());
    }
    Ok(())
}
