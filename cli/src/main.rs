//! `timectl` binary entry point.

fn main() {
    println!("timectl {}", env!("CARGO_PKG_VERSION"));
}
