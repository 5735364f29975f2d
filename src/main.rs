//! The `netdash` binary: a thin shell over the library (see `cli.rs`).

fn main() -> std::process::ExitCode {
    netdash::cli::main()
}
