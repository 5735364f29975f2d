//! The `netdash` binary: a thin shell over the library (see `cli.rs`).

/// A fan-out allocates and frees many small buffers on every worker thread (TLS records,
/// HTTP headers, JSON); with glibc's allocator that was a fifth of `run`'s CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    netdash::cli::main()
}
