//! Writing files that hold secrets or must never be seen half-written: token pairs, the
//! console history (it can hold request bodies), the lab's config. Nothing here follows a
//! symlink someone planted: on a shared host another user could point one at a file of
//! ours (or of root's) and have us overwrite it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Replace `path` with `data` atomically, readable by its owner only (0600): a new temp
/// file with a random name in the same directory (created exclusively, so never through a
/// symlink), fsync, rename over `path` (which replaces a symlink there rather than writing
/// through it), fsync of the directory. A crash leaves the old file or the new one, never a
/// mix.
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.as_deref().unwrap_or("netdash")))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    // On failure the temp file is removed when the error drops it.
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Open `path` for appending, creating it 0600, refusing a symlink at that name (ELOOP).
pub fn open_append_nofollow(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_with_mode_0600() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("f");
        std::fs::write(&p, "old").expect("write");
        super::write_private(&p, b"new").expect("write_private");
        assert_eq!(std::fs::read(&p).expect("read"), b"new");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            1,
            "no temp left"
        );
    }

    #[test]
    fn never_writes_through_a_planted_symlink() {
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("victim");
        let p = dir.path().join("tokens.json");
        // At the final name, and at the temp name the old code predicted (pid-based).
        std::os::unix::fs::symlink(&victim, &p).expect("link");
        let predicted = p.with_extension(format!("tmp{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &predicted).expect("link");
        super::write_private(&p, b"new").expect("write_private");
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
        assert_eq!(std::fs::read(&p).expect("read"), b"new");
        assert!(!std::fs::symlink_metadata(&p).expect("meta").is_symlink());
    }

    #[test]
    fn append_refuses_a_symlink() {
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("victim");
        let p = dir.path().join("netdash.log");
        std::os::unix::fs::symlink(&victim, &p).expect("link");
        assert!(super::open_append_nofollow(&p).is_err());
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
    }
}
