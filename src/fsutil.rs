//! Writing files that hold secrets or must never be seen half-written: token pairs, the
//! console history (it can hold request bodies), the lab's config.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Replace `path` with `data` atomically, readable by its owner only (0600): a temp file
/// in the same directory, fsync, rename, fsync of the directory. A crash leaves the old
/// file or the new one, never a mix.
///
/// The temp file is created new (O_CREAT|O_EXCL, which never follows a symlink): a link
/// planted at its predictable name is refused, not written through; a name already taken
/// is skipped for the next one.
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut attempt = 0u32;
    let (tmp, mut f) = loop {
        let tmp = path.with_extension(format!("tmp{}-{attempt}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let mut write = || -> std::io::Result<()> {
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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
    fn a_symlink_planted_at_the_temp_name_is_not_followed() {
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").expect("write");
        let p = dir.path().join("f.json");
        let tmp = p.with_extension(format!("tmp{}-0", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).expect("symlink");
        super::write_private(&p, b"secret").expect("write_private");
        assert_eq!(std::fs::read(&victim).expect("read"), b"keep");
        assert_eq!(std::fs::read(&p).expect("read"), b"secret");
        let meta = std::fs::symlink_metadata(&p).expect("meta");
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}
