#![no_main]

use std::io::Cursor;

use shieldwall_archive::{Format, Limits, read_members, read_stream};

// Every format, seekable and streamed; small limits so the limit checks run
// on every input. Reading must never panic and never keep more than the limits.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_total_bytes: 1 << 20, max_entries: 64, max_file_bytes: 1 << 16, max_ratio: 50 };
    for format in [Format::Zip, Format::Tar, Format::TarGzip, Format::TarBzip2, Format::TarZstd] {
        let read = read_members(Cursor::new(data), format, "fuzz", &limits, |_| true);
        assert!(read.members.len() <= 64);
        assert!(read.members.iter().all(|m| m.bytes.len() <= 1 << 16));
        let _ = read_stream(data, format, "fuzz", &limits, |_| true);
    }
});
