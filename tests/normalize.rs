//! Normalise-stage fixtures, negative cases, HTML seeds, idempotence.

use zhclean::Changes;
use zhclean::html;

#[test]
fn tmp_seed_dump() {
    for n in ["000", "001", "002"] {
        let p = format!("{}/tests/data/normalize/html/seed-{n}.txt", env!("CARGO_MANIFEST_DIR"));
        let s = std::fs::read_to_string(&p).unwrap();
        let (tags, bytes) = html::markup_share(&s);
        let solid = s.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        eprintln!(
            "{n}: tags {tags} markup {bytes} solid {solid} ratio {:.2}",
            bytes as f64 / solid as f64
        );
        let out = html::strip(&s, &mut Changes::new());
        std::fs::write(format!("/tmp/seed-{n}.stripped.txt"), out.as_bytes()).unwrap();
    }
}
