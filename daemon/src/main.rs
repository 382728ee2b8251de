//! `timed` binary entry point.

fn main() {
    println!("timed {}", env!("CARGO_PKG_VERSION"));
}
