//! Unit tests on archives built in the test.

use std::io::{Cursor, Write};

use super::*;

fn tar_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, data) in entries {
        writer.start_file(*path, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn all(_: &str) -> bool {
    true
}

fn paths(read: &ArchiveRead) -> Vec<&str> {
    read.members.iter().map(|m| m.path.as_str()).collect()
}

#[test]
fn reads_wanted_zip_members_only() {
    let bytes = zip_with(&[
        ("foo-1.0.dist-info/METADATA", b"Name: foo\n"),
        ("foo/__init__.py", b"x = 1\n"),
    ]);
    let read = read_members(
        Cursor::new(bytes),
        Format::Zip,
        "foo.whl",
        &Limits::default(),
        |p| p.ends_with("/METADATA"),
    );
    assert_eq!(paths(&read), ["foo-1.0.dist-info/METADATA"]);
    assert_eq!(read.members[0].bytes, b"Name: foo\n");
    assert_eq!(read.entries, 2);
    assert!(read.error.is_none() && read.issues.is_empty(), "{read:?}");
}

#[test]
fn reads_every_tar_compression() {
    let tar = tar_with(&[("./pkg/a.txt", b"a"), ("pkg/b.txt", b"b")]);
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&tar).unwrap();
    let bz = bz.finish().unwrap();
    let zst = zstd::stream::encode_all(&tar[..], 3).unwrap();
    for (format, bytes) in [
        (Format::Tar, tar.clone()),
        (Format::TarGzip, gzip(&tar)),
        (Format::TarBzip2, bz),
        (Format::TarZstd, zst),
    ] {
        assert_eq!(Format::sniff(&bytes), Some(format));
        let read = read_stream(&bytes[..], format, "x", &Limits::default(), |p| {
            p.ends_with("a.txt")
        });
        assert_eq!(paths(&read), ["pkg/a.txt"], "{format}");
        assert!(read.error.is_none(), "{format}: {read:?}");
    }
}

#[test]
fn traversal_absolute_links_and_duplicates_are_issues() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |path: &[u8], kind: tar::EntryType, link: Option<&str>, data: &[u8]| {
        let mut header = tar::Header::new_old();
        // Write the name bytes directly: the builder refuses `..`.
        header.as_old_mut().name[..path.len()].copy_from_slice(path);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(kind);
        if let Some(link) = link {
            header.set_link_name(link).unwrap();
        }
        header.set_cksum();
        builder.append(&header, data).unwrap();
    };
    add(b"../evil.txt", tar::EntryType::Regular, None, b"x");
    add(b"/etc/passwd", tar::EntryType::Regular, None, b"x");
    add(
        b"pkg/link",
        tar::EntryType::Symlink,
        Some("/etc/shadow"),
        b"",
    );
    add(b"pkg/hard", tar::EntryType::Link, Some("pkg/ok.txt"), b"");
    add(b"pkg/ok.txt", tar::EntryType::Regular, None, b"one");
    add(b"./pkg/ok.txt", tar::EntryType::Regular, None, b"two");
    let bytes = builder.into_inner().unwrap();
    let read = read_stream(&bytes[..], Format::Tar, "evil.tar", &Limits::default(), all);
    assert_eq!(paths(&read), ["pkg/ok.txt", "pkg/ok.txt"]);
    let kinds: Vec<String> = read.issues.iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds,
        [
            "`../evil.txt` escapes the archive with `..`",
            "`/etc/passwd` is an absolute path",
            "`pkg/link` is a symbolic link to `/etc/shadow`, not followed",
            "`pkg/hard` is a hard link to `pkg/ok.txt`, not followed",
            "`pkg/ok.txt` appears more than once",
        ]
    );
    assert!(read.error.is_none());
}

#[test]
fn zip_traversal_symlink_and_duplicate() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("../../evil.py", options).unwrap();
    writer.write_all(b"x").unwrap();
    writer
        .add_symlink("pkg/link", "/etc/passwd", options)
        .unwrap();
    writer.start_file("pkg/dup1.txt", options).unwrap();
    writer.write_all(b"first").unwrap();
    writer.start_file("pkg/dup2.txt", options).unwrap();
    writer.write_all(b"second").unwrap();
    let mut bytes = writer.finish().unwrap().into_inner();
    // The writer refuses duplicate names: rename dup2 to dup1 in place.
    let (from, to) = (b"pkg/dup2.txt", b"pkg/dup1.txt");
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    let read = read_members(
        Cursor::new(bytes),
        Format::Zip,
        "evil.zip",
        &Limits::default(),
        all,
    );
    let issues: Vec<String> = read.issues.iter().map(ToString::to_string).collect();
    assert!(
        issues.contains(&"`../../evil.py` escapes the archive with `..`".to_owned()),
        "{issues:?}"
    );
    assert!(
        issues.contains(&"`pkg/link` is a symbolic link to `/etc/passwd`, not followed".to_owned()),
        "{issues:?}"
    );
    assert!(
        issues.contains(&"`pkg/dup1.txt` appears more than once".to_owned()),
        "{issues:?}"
    );
    assert_eq!(paths(&read), ["pkg/dup1.txt"]);
}

#[test]
fn zip_bomb_is_skipped() {
    let zeros = vec![0u8; 8 << 20];
    let bytes = zip_with(&[("bomb.txt", &zeros), ("ok.txt", b"fine")]);
    assert!(bytes.len() < 100_000);
    let read = read_members(
        Cursor::new(bytes),
        Format::Zip,
        "bomb.zip",
        &Limits::default(),
        all,
    );
    assert_eq!(paths(&read), ["ok.txt"]);
    assert!(
        matches!(read.issues[0].kind, IssueKind::HighRatio { .. }),
        "{:?}",
        read.issues
    );
    // A lying header is caught on the bytes that come out.
    let bytes = zip_with(&[("bomb.txt", &zeros)]);
    let read = read_stream(&bytes[..], Format::Zip, "bomb.zip", &Limits::default(), all);
    assert!(read.members.is_empty());
    assert!(
        matches!(read.issues[0].kind, IssueKind::HighRatio { .. }),
        "{read:?}"
    );
}

#[test]
fn gzip_bomb_stops_the_stream() {
    let zeros = vec![0u8; 16 << 20];
    let bytes = gzip(&tar_with(&[("bomb.bin", &zeros), ("after.txt", b"x")]));
    let read = read_stream(
        &bytes[..],
        Format::TarGzip,
        "bomb.tgz",
        &Limits::default(),
        all,
    );
    assert!(read.members.is_empty());
    assert_eq!(
        read.error.map(|e| e.to_string()).as_deref(),
        Some(
            "bomb.tgz: compression ratio limit of 200 reached, the rest of the archive was not read"
        )
    );
}

#[test]
fn size_and_entry_limits() {
    let tar = tar_with(&[("a", b"12345"), ("b", b"1"), ("c", b"2")]);
    let limits = Limits {
        max_file_bytes: 4,
        max_entries: 2,
        ..Limits::default()
    };
    let read = read_stream(&tar[..], Format::Tar, "x.tar", &limits, all);
    assert_eq!(paths(&read), ["b"]);
    assert_eq!(read.issues[0].kind, IssueKind::TooLarge { size: 5 });
    assert!(matches!(
        read.error,
        Some(ArchiveError::LimitExceeded {
            limit: Limit::Entries,
            ..
        })
    ));
    let read = read_stream(
        &tar[..],
        Format::Tar,
        "x.tar",
        &Limits {
            max_total_bytes: 1024,
            ..Limits::default()
        },
        all,
    );
    assert!(matches!(
        read.error,
        Some(ArchiveError::LimitExceeded {
            limit: Limit::TotalBytes,
            ..
        })
    ));
}

#[test]
fn truncated_gzip_keeps_what_came_before() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = gzip(&tar_with(&[
        ("pkg/first.txt", b"first"),
        ("pkg/big.bin", &big),
    ]));
    let cut = &bytes[..bytes.len() / 2];
    let read = read_stream(
        cut,
        Format::TarGzip,
        "dist/pkg-1.0.tar.gz",
        &Limits::default(),
        all,
    );
    assert_eq!(paths(&read), ["pkg/first.txt"]);
    assert_eq!(
        read.error.map(|e| e.to_string()).as_deref(),
        Some("dist/pkg-1.0.tar.gz: truncated tar.gz archive")
    );
}

#[test]
fn truncated_zip_keeps_what_came_before() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = zip_with(&[("first.txt", b"first"), ("big.bin", &big)]);
    let cut = bytes[..bytes.len() / 2].to_vec();
    let read = read_members(
        Cursor::new(cut),
        Format::Zip,
        "dist/x.whl",
        &Limits::default(),
        all,
    );
    assert_eq!(paths(&read), ["first.txt"]);
    let error = read.error.map(|e| e.to_string()).unwrap_or_default();
    assert!(error.starts_with("dist/x.whl: "), "{error}");
    assert!(
        error.contains("truncated") || error.contains("corrupt"),
        "{error}"
    );
}

#[test]
fn garbage_never_panics() {
    let samples: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"PK\x03\x04".to_vec(),
        vec![0x1f, 0x8b, 8, 0, 0, 0],
        vec![0xff; 2048],
        b"BZh9garbage".to_vec(),
        vec![0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3],
    ];
    let tar = tar_with(&[("a", b"x")]);
    let zip = zip_with(&[("a", b"x")]);
    let mut all_samples = samples;
    for cut in [1, 100, 511, 513, 1000] {
        all_samples.push(tar[..cut.min(tar.len())].to_vec());
        all_samples.push(zip[..cut.min(zip.len())].to_vec());
    }
    for (i, bytes) in all_samples.iter().enumerate() {
        for format in [
            Format::Zip,
            Format::Tar,
            Format::TarGzip,
            Format::TarBzip2,
            Format::TarZstd,
        ] {
            let _ = read_members(
                Cursor::new(bytes.clone()),
                format,
                "g",
                &Limits::default(),
                all,
            );
            let _ = read_stream(&bytes[..], format, "g", &Limits::default(), all);
            let _ = i;
        }
    }
}

#[test]
fn formats_from_names() {
    assert_eq!(
        Format::from_file_name("a-1.0-py3-none-any.whl"),
        Some(Format::Zip)
    );
    assert_eq!(
        Format::from_file_name("a-1.0.TAR.GZ"),
        Some(Format::TarGzip)
    );
    assert_eq!(Format::from_file_name("a-1.0.tgz"), Some(Format::TarGzip));
    assert_eq!(Format::from_file_name("a.tar.bz2"), Some(Format::TarBzip2));
    assert_eq!(Format::from_file_name("image.tar"), Some(Format::Tar));
    assert_eq!(Format::from_file_name("a.txt"), None);
}

#[test]
fn index_locates_members() {
    let tar = tar_with(&[("manifest.json", b"[1]"), ("blobs/sha256/ab", b"layer")]);
    let index = index_tar(Cursor::new(&tar), "image.tar", &Limits::default());
    assert!(index.error.is_none());
    let paths: Vec<&str> = index.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["manifest.json", "blobs/sha256/ab"]);
    let second = &index.files[1];
    let start = usize::try_from(second.offset).unwrap();
    assert_eq!(&tar[start..start + 5], b"layer");
    let peek = index_tar(
        Cursor::new(&tar),
        "image.tar",
        &Limits {
            max_entries: 1,
            ..Limits::default()
        },
    );
    assert_eq!(peek.files.len(), 1);
    assert!(matches!(
        peek.error,
        Some(ArchiveError::LimitExceeded { .. })
    ));
}
