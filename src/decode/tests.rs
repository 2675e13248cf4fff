//! Unit tests of the decode stage: worked examples, BOMs, binary
//! files, mixed files, and chunked-equals-whole at every split point.

use super::*;
use encoding_rs::{GB18030, GBK};
use proptest::prelude::*;

fn dec(bytes: &[u8]) -> (String, DecodeInfo, Changes) {
    let mut changes = Changes::new();
    let (text, info) = decode(bytes, None, &mut changes);
    (text.into_owned(), info, changes)
}

/// Decodes `bytes` fed in the given chunk sizes (cycled).
fn dec_chunked(bytes: &[u8], sizes: &[usize], sniff_len: usize) -> (String, DecodeInfo) {
    let mut d = StreamDecoder::with_sniff_len(None, sniff_len);
    let (mut out, mut changes) = (String::new(), Changes::new());
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        d.feed(&rest[..n], false, &mut out, &mut changes);
        rest = &rest[n..];
        i += 1;
    }
    d.feed(b"", true, &mut out, &mut changes);
    (out, d.into_info())
}

/// encoding_rs's habit: the input split in two at every position, and
/// byte by byte, gives the same text and findings as the whole.
fn check_every_split(bytes: &[u8], sniff_len: usize) {
    let mut d = StreamDecoder::with_sniff_len(None, sniff_len);
    let (mut whole, mut changes) = (String::new(), Changes::new());
    d.feed(bytes, true, &mut whole, &mut changes);
    let info = d.into_info();
    for cut in 0..=bytes.len() {
        let mut d = StreamDecoder::with_sniff_len(None, sniff_len);
        let (mut out, mut ch) = (String::new(), Changes::new());
        d.feed(&bytes[..cut], false, &mut out, &mut ch);
        d.feed(&bytes[cut..], true, &mut out, &mut ch);
        assert_eq!(out, whole, "split at {cut}");
        assert_eq!(d.info(), &info, "split at {cut}");
        assert_eq!(ch, changes, "split at {cut}");
    }
    let (out, i) = dec_chunked(bytes, &[1], sniff_len);
    assert_eq!(out, whole, "byte by byte");
    assert_eq!(i, info, "byte by byte");
}

#[test]
fn example_gbk() {
    let (text, info, changes) = dec(b"\xCF\xD4\xD6\xF8\xCF\xC2\xBD\xB5");
    assert_eq!(text, "显著下降");
    assert_eq!(info.encoding, "GB18030");
    assert_eq!(changes.count(Rule::Legacy), 1);
}

#[test]
fn example_big5_with_5c_trail_bytes() {
    let (text, info, _) = dec(b"\xB3\x5C\xA5\x5C\xBB\x5C");
    assert_eq!(text, "許功蓋");
    assert_eq!(info.encoding, "Big5");
}

#[test]
fn example_utf16le_without_bom() {
    let bytes = b"\x00\x7A\x1F\x57\x38\x8D\x13\x66\x4F\x53\xAE\x8B";
    let (text, info, _) = dec(bytes);
    assert_eq!(text, "稀土贸易协议");
    assert_eq!(info.encoding, "UTF-16LE");
    assert!(!info.bom);
    let be: Vec<u8> = bytes.chunks(2).flat_map(|p| [p[1], p[0]]).collect();
    let (text, info, _) = dec(&be);
    assert_eq!(text, "稀土贸易协议");
    assert_eq!(info.encoding, "UTF-16BE");
}

#[test]
fn example_gb2312_label_gives_middle_dot() {
    let mut changes = Changes::new();
    let gb2312 = encoding_for_label("gb2312").unwrap();
    let (text, info) = decode(b"\xA1\xA4", Some(gb2312), &mut changes);
    assert_eq!(text, "\u{B7}");
    assert_eq!(info.confidence, 1.0);
    assert_eq!(changes.count(Rule::Legacy), 1);
}

#[test]
fn unknown_label_is_an_unknown_encoding_error() {
    match encoding_for_label("klingon") {
        Err(Error::Unknown { kind: "encoding", name, .. }) => assert_eq!(name, "klingon"),
        other => panic!("{other:?}"),
    }
    assert_eq!(encoding_for_label(" GBK ").unwrap(), GBK);
}

#[test]
fn gb18030_four_byte_sequences() {
    // 𠀀 (U+20000) and € in GB18030, with ordinary hanzi around them.
    let (bytes, _, bad) = GB18030.encode("中文𠀀字符€测试一下这个");
    assert!(!bad);
    let (text, info, _) = dec(&bytes);
    assert_eq!(text, "中文𠀀字符€测试一下这个");
    assert_eq!(info.encoding, "GB18030");
}

#[test]
fn boms_decide_and_are_dropped() {
    let cases: &[(&[u8], &str)] = &[
        (b"\xEF\xBB\xBF\xE4\xB8\xAD", "UTF-8"),
        (b"\xFF\xFE\x2D\x4E", "UTF-16LE"),
        (b"\xFE\xFF\x4E\x2D", "UTF-16BE"),
    ];
    for &(bytes, name) in cases {
        let (text, info, changes) = dec(bytes);
        assert_eq!(text, "中", "{name}");
        assert_eq!(info.encoding, name);
        assert!(info.bom);
        assert_eq!(info.confidence, 1.0);
        assert_eq!(changes.count(Rule::Bom), 1);
    }
}

#[test]
fn valid_utf8_is_borrowed_and_counted() {
    let mut changes = Changes::new();
    let (text, info) = decode("第一章 开始\n".as_bytes(), None, &mut changes);
    assert!(matches!(text, Cow::Borrowed(_)));
    assert_eq!(info.encoding, "UTF-8");
    assert_eq!(info.confidence, 1.0);
    assert_eq!(changes.count(Rule::Utf8), 1);
    // Two hanzi: weak evidence, still UTF-8, less sure.
    let (_, info, _) = dec("中文".as_bytes());
    assert_eq!(info.encoding, "UTF-8");
    assert!(info.confidence < 1.0);
}

#[test]
fn malformed_bytes_become_counted_replacements() {
    let mut changes = Changes::new();
    let gbk = encoding_for_label("gbk").unwrap();
    let (text, info) = decode(b"\xD6\xD0\xFF\xCE\xC4", Some(gbk), &mut changes);
    assert_eq!(text, "中\u{FFFD}文");
    assert_eq!(info.replacements, 1);
    assert_eq!(changes.count(Rule::Malformed), 1);
}

#[test]
fn binary_inputs_are_recognised() {
    let png = b"\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR";
    let (text, info, changes) = dec(png);
    assert_eq!(text, "");
    assert_eq!(info.binary.as_deref(), Some("PNG image"));
    assert_eq!(changes.count(Rule::Binary), 1);
    let (_, info, _) = dec(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    assert_eq!(info.binary.as_deref(), Some("PDF document"));
    let (_, info, _) = dec(b"\x7FELF\x02\x01\x01\x00");
    assert!(info.binary.is_some());
    assert_eq!(info.confidence, 1.0, "a signature is sure");
    let (_, info, _) = dec(b"abc\x00\x01\x02\x03\x04\xC8\x99def\x00\x00\x00");
    assert_eq!(info.binary.as_deref(), Some("NUL bytes"));
    // NUL bytes that no UTF-16 reading explains: not text, but not as
    // surely as a signature says so.
    assert!(info.confidence < 1.0, "{}", info.confidence);
    // RIFF containers, named by their form type, and icons.
    let riff =
        |form: &[u8]| [b"RIFF\x24\x08\x00\x00".as_slice(), form, b"fmt \x10\x00\x00\x00"].concat();
    assert_eq!(dec(&riff(b"WAVE")).1.binary.as_deref(), Some("WAV audio"));
    assert_eq!(dec(&riff(b"AVI ")).1.binary.as_deref(), Some("AVI video"));
    assert_eq!(dec(&riff(b"WEBP")).1.binary.as_deref(), Some("WebP image"));
    assert_eq!(dec(&riff(b"ACON")).1.binary.as_deref(), Some("RIFF data"));
    let ico =
        b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00\x68\x04\x00\x00\x16\x00\x00\x00";
    assert_eq!(dec(ico).1.binary.as_deref(), Some("Windows icon"));
    let mut cur = ico.to_vec();
    cur[2] = 2;
    assert_eq!(dec(&cur).1.binary.as_deref(), Some("Windows cursor"));
    // A forced encoding does not make an icon text.
    assert!(decode(ico, Some(GBK), &mut Changes::new()).1.binary.is_some());
    // Text that merely starts like a signature is text.
    let (_, info, _) = dec(b"BZh is not bzip2\n");
    assert_eq!(info.binary, None);
    let (_, info, _) = dec(b"MZ notes\n");
    assert_eq!(info.binary, None);
    // A forced encoding does not make a PNG text.
    let mut changes = Changes::new();
    let (_, info) = decode(png, Some(GBK), &mut changes);
    assert!(info.binary.is_some());
}

#[test]
fn short_ascii_that_utf16_reads_better_is_not_sure() {
    // `変数の名前とその` in UTF-16LE is all ASCII bytes (a tab and a CR among
    // them, no stray control): read as ASCII, but not at 1.0.
    let bytes: Vec<u8> = "変数の名前とその".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(bytes.is_ascii());
    let (_, info, _) = dec(&bytes);
    assert_eq!(info.encoding, "UTF-8");
    assert!(info.confidence <= 0.5, "{}", info.confidence);
    // Short English, and ASCII words whose UTF-16 reading is all Han, stay sure.
    for text in ["password", "Hello world", "abcdefgh", "OK\n", "--help"] {
        let (_, info, _) = dec(text.as_bytes());
        assert_eq!((info.encoding, info.confidence), ("UTF-8", 1.0), "{text}");
    }
}

#[test]
fn utf16_that_is_valid_utf8_with_a_control_byte() {
    // `天師百歲少` in UTF-16LE: every byte is ASCII, one is 0x11.
    let bytes: Vec<u8> = "天師百歲少".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(std::str::from_utf8(&bytes).is_ok());
    let (text, info, _) = dec(&bytes);
    assert_eq!(text, "天師百歲少");
    assert_eq!(info.encoding, "UTF-16LE");
    // English with a stray control byte stays UTF-8.
    let (text, info, _) = dec(b"Hello world, this is text with a control");
    assert_eq!(info.encoding, "UTF-8");
    assert_eq!(text, "Hello world, this is text\u{11} with a control");
}

#[test]
fn utf16_ascii_without_bom_is_text_not_binary() {
    let bytes: Vec<u8> =
        "Hello, 世界! plain text\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let (text, info, _) = dec(&bytes);
    assert_eq!(info.encoding, "UTF-16LE");
    assert_eq!(text, "Hello, 世界! plain text\n");
}

fn mixed_sample() -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice("第一行是正常的UTF-8文本，内容很多。\n".as_bytes());
    bytes.extend_from_slice(&GBK.encode("这一行却是用GBK保存的旧文本。\n").0);
    bytes.extend_from_slice("第三行又回到了UTF-8编码。\n".as_bytes());
    bytes.extend_from_slice(&GBK.encode("最后一行还是GBK").0);
    bytes
}

#[test]
fn mixed_files_are_decoded_line_by_line() {
    let (text, info, changes) = dec(&mixed_sample());
    assert_eq!(
        text,
        "第一行是正常的UTF-8文本，内容很多。\n这一行却是用GBK保存的旧文本。\n\
         第三行又回到了UTF-8编码。\n最后一行还是GBK"
    );
    assert_eq!(info.encoding, "UTF-8");
    assert_eq!(info.mixed_lines, 2);
    assert_eq!(info.mixed_encoding, Some("GB18030"));
    assert_eq!(info.replacements, 0);
    assert_eq!(changes.count(Rule::Legacy), 2);
}

#[test]
fn a_legacy_line_after_the_sniffed_prefix_is_still_decoded() {
    let mut bytes = "纯UTF-8的开头。\n".repeat(20).into_bytes();
    bytes.extend_from_slice(&GBK.encode("后面来了一行GBK文字，不能丢。\n").0);
    let (text, info) = dec_chunked(&bytes, &[7], 64);
    assert!(text.ends_with("后面来了一行GBK文字，不能丢。\n"), "{text}");
    assert_eq!(info.mixed_lines, 1);
    assert_eq!(info.replacements, 0);
}

#[test]
fn a_corrupt_byte_in_utf8_is_one_replacement_not_a_legacy_line() {
    let mut bytes = "这是一行正常的中文句子，".as_bytes().to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice("后面也很正常。\n".as_bytes());
    let (text, info, _) = dec(&bytes);
    assert_eq!(text, "这是一行正常的中文句子，\u{FFFD}后面也很正常。\n");
    assert_eq!(info.replacements, 1);
    assert_eq!(info.mixed_lines, 0);
}

#[test]
fn every_split_gives_the_same_text() {
    let samples: Vec<Vec<u8>> = vec![
        "UTF-8 文本：中文，English。\n第二行".as_bytes().to_vec(),
        GBK.encode("简体中文的GBK文本，用来测试。\n第二行").0.into_owned(),
        GB18030.encode("四字节𠀀字符€和普通汉字").0.into_owned(),
        encoding_rs::BIG5.encode("繁體中文的Big5文本，許功蓋。\n").0.into_owned(),
        b"\xFF\xFE"
            .iter()
            .copied()
            .chain("带BOM的UTF-16".encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        "没有BOM的大端序文本".encode_utf16().flat_map(u16::to_be_bytes).collect(),
        b"\xEF\xBB\xBF".iter().copied().chain("带BOM的UTF-8".bytes()).collect(),
        mixed_sample(),
    ];
    for s in &samples {
        // Decided on the whole input, and on a 64-byte prefix.
        check_every_split(s, SNIFF_LEN);
        check_every_split(s, 64);
    }
}

#[test]
fn long_lines_are_cut_at_character_boundaries() {
    let line = "长".repeat(LINE_CAP / 3 + 10);
    let mut bytes = line.clone().into_bytes();
    bytes.push(b'\n');
    let (text, _) = dec_chunked(&bytes, &[4093, 65536], 64);
    assert_eq!(text.as_bytes(), &bytes[..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gbk_encodable_text_survives(s in "[\\u{4E00}-\\u{9FA5}，。、：]{8,40}") {
        let (bytes, _, bad) = GBK.encode(&s);
        prop_assume!(!bad);
        let mut changes = Changes::new();
        let (text, _) = decode(&bytes, Some(GBK), &mut changes);
        prop_assert_eq!(text.as_ref(), s.as_str());
    }

    #[test]
    fn output_is_text_and_chunked_equals_whole(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        sizes in proptest::collection::vec(1usize..40, 1..5),
    ) {
        let (whole, info, _) = dec(&bytes);
        // Valid UTF-8 by construction (a String); nothing dropped silently:
        // either binary, or every byte is accounted for in the text.
        prop_assert!(std::str::from_utf8(whole.as_bytes()).is_ok());
        if info.binary.is_none() {
            prop_assert!(!bytes.is_empty() || whole.is_empty());
        }
        let (chunked, cinfo) = dec_chunked(&bytes, &sizes, 64);
        let mut d = StreamDecoder::with_sniff_len(None, 64);
        let (mut one, mut ch) = (String::new(), Changes::new());
        d.feed(&bytes, true, &mut one, &mut ch);
        prop_assert_eq!(&chunked, &one);
        prop_assert_eq!(&cinfo, d.info());
    }

    #[test]
    fn valid_utf8_is_always_utf8(s in "\\PC{0,60}") {
        prop_assume!(!s.contains('\0') && !s.chars().any(|c| c.is_control() && !c.is_whitespace()));
        let (text, info, _) = dec(s.as_bytes());
        prop_assert_eq!(info.encoding, "UTF-8");
        prop_assert_eq!(text.as_str(), s.as_str());
    }
}

#[test]
fn pipeline_refuses_binary_and_unknown_labels() {
    use crate::{Config, Pipeline};
    let p = Pipeline::new(Config::default()).unwrap();
    match p.process_bytes(b"\x89PNG\r\n\x1A\n\x00\x00", Some(std::path::Path::new("a.png"))) {
        Err(Error::Binary { path, reason }) => {
            assert_eq!(path, std::path::Path::new("a.png"));
            assert_eq!(reason, "PNG image");
        }
        other => panic!("{other:?}"),
    }
    let config = Config { encoding: Some("nope".into()), ..Config::default() };
    assert!(matches!(Pipeline::new(config), Err(Error::Unknown { kind: "encoding", .. })));
    let config = Config { encoding: Some("big5".into()), clean: false, ..Config::default() };
    let doc = Pipeline::new(config).unwrap().process_bytes(b"\xB3\x5C\xA5\x5C", None).unwrap();
    assert_eq!(doc.text, "許功");
    assert_eq!(doc.decode.encoding, "Big5");
}

/// `text` in ISO-2022-KR, made by hand from its EUC-KR bytes (the header
/// once, SO before each Korean run, SI after it).
fn iso2022kr(text: &str) -> Vec<u8> {
    let mut out = iso2022kr::DESIGNATION.to_vec();
    let (euc, _, bad) = encoding_rs::EUC_KR.encode(text);
    assert!(!bad);
    let mut shifted = false;
    for &b in euc.iter() {
        if (b >= 0x80) != shifted {
            out.push(if shifted { 0x0F } else { 0x0E });
            shifted = !shifted;
        }
        out.push(b & 0x7F);
    }
    if shifted {
        out.push(0x0F);
    }
    out
}

#[test]
fn korean_files_are_korean() {
    for text in ["역사적 사실", "서버에 연결할 수 없습니다. 다시 시도하십시오.\n"]
    {
        let (bytes, _, _) = encoding_rs::EUC_KR.encode(text);
        let (out, info, _) = dec(&bytes);
        assert_eq!(out, text);
        assert_eq!(info.encoding, "EUC-KR");
        assert_eq!(info.language, Language::Korean);
        let bytes = iso2022kr(text);
        let (out, info, changes) = dec(&bytes);
        assert_eq!(out, text);
        assert_eq!(info.encoding, "ISO-2022-KR");
        assert_eq!(info.replacements, 0);
        assert_eq!(changes.count(Rule::Legacy), 1);
        check_every_split(&bytes, 64);
    }
    // It can be forced by its label, as a large file's pieces are.
    let forced = encoding_for_label("ISO-2022-KR").unwrap();
    let bytes = iso2022kr("역사적 사실");
    let (out, info) = decode(&bytes, Some(forced), &mut Changes::new());
    assert_eq!((out.as_ref(), info.encoding), ("역사적 사실", "ISO-2022-KR"));
    assert!(encoding_for_label("hz-gb-2312").is_err());
    // A stray escape in ISO-2022-KR costs one U+FFFD, the rest is kept.
    let mut bytes = iso2022kr("파일 이름");
    bytes.extend_from_slice(b" \x1B(B end");
    let (out, info, _) = dec(&bytes);
    assert_eq!(out, "파일 이름 \u{FFFD}(B end");
    assert_eq!(info.replacements, 1);
}

#[test]
fn japanese_files_are_japanese() {
    let text = "ファイルを開けません。もう一度お試しください。";
    for encoding in [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP, encoding_rs::ISO_2022_JP] {
        let (bytes, _, _) = encoding.encode(text);
        let (out, info, _) = dec(&bytes);
        assert_eq!(out, text, "{}", encoding.name());
        assert_eq!(info.encoding, encoding.name());
        assert_eq!(info.language, Language::Japanese);
    }
    for be in [false, true] {
        let bytes: Vec<u8> = text
            .encode_utf16()
            .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect();
        let (out, info, _) = dec(&bytes);
        assert_eq!(out, text);
        assert_eq!(info.encoding, if be { "UTF-16BE" } else { "UTF-16LE" });
        assert_eq!(info.language, Language::Japanese);
    }
}

#[test]
fn european_files_are_read_in_their_own_encodings() {
    let cases = [
        ("Die Datei für den Übergang konnte nicht geöffnet werden.", encoding_rs::WINDOWS_1252),
        ("Não foi possível abrir o ficheiro de configuração.", encoding_rs::WINDOWS_1252),
        ("Nie można otworzyć pliku źródłowego, spróbuj ponownie.", encoding_rs::ISO_8859_2),
        // Hungarian ő and ű are õ and û in windows-1252, which chardetng
        // proposes for short text like this.
        ("Nem sikerült ellenőrizni a fűtés állapotát.", encoding_rs::ISO_8859_2),
        ("A kért művelet nem hajtható végre, ellenőrizze a beállítást.", encoding_rs::WINDOWS_1250),
        (
            "Il file è vuoto e la copia non è riuscita: riprova più tardi.",
            encoding_rs::WINDOWS_1252,
        ),
        ("Не удалось открыть файл настроек, попробуйте снова.", encoding_rs::WINDOWS_1251),
        ("Не удалось открыть файл настроек, попробуйте снова.", encoding_rs::KOI8_R),
    ];
    for (text, encoding) in cases {
        let (bytes, _, _) = encoding.encode(text);
        let (out, info, _) = dec(&bytes);
        assert_eq!(out, text, "{}", encoding.name());
        assert!(!info.language.chinese_rules(), "{text}: {:?}", info.language);
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("für");
    assert_eq!(dec(&bytes).0, "für");
}

/// Each text, encoded in its encoding, decodes back to itself.
fn assert_decoded_back(cases: &[(&str, &'static encoding_rs::Encoding)]) {
    for &(text, encoding) in cases {
        let (bytes, _, _) = encoding.encode(text);
        let (out, info, _) = dec(&bytes);
        assert_eq!(out, text, "{}: read as {}", encoding.name(), info.encoding);
    }
}

#[test]
fn short_chinese_messages_stay_chinese() {
    // One Han character among ASCII, some beside ASCII words; and Big5
    // characters whose bytes are kana in EUC-JP, mostly rare ones (`停止`
    // would be `葦ゎ`): the kana table prices those.
    let cases = [
        ("(无)", encoding_rs::GBK),
        ("<空>", encoding_rs::GBK),
        ("无 shell", encoding_rs::GBK),
        ("卷 ID", encoding_rs::GBK),
        (" 列 ", encoding_rs::BIG5),
        ("除 0", encoding_rs::BIG5),
        ("停止", encoding_rs::BIG5),
        ("簡介", encoding_rs::BIG5),
        ("不支援 ai_family", encoding_rs::BIG5),
    ];
    assert_decoded_back(&cases);
}

#[test]
fn a_printf_directive_glues_no_latin_word_to_cyrillic() {
    // `%sНеож`: read as GB18030 (`%s钆现`) while `s` counted as a Latin
    // letter running into the Cyrillic word.
    let text = "%s%s%s:%u: %s%sНеож";
    let (bytes, _, _) = encoding_rs::KOI8_R.encode(text);
    assert_eq!(dec(&bytes).0, text);
}

#[test]
fn close_single_byte_relatives_are_told_apart() {
    // The same letters at other bytes (KOI8-R, windows-1251, ISO-8859-5),
    // and `œ` where windows-1252 has `½`; lowercase text, where the case
    // of the letters does not tell.
    let cases = [
        ("xtrace_set: %d: недопустимый дескриптор файла", encoding_rs::KOI8_R),
        ("xtrace_set: %d: недопустимый дескриптор файла", encoding_rs::WINDOWS_1251),
        ("yp_update: не може да се отвори файлът", encoding_rs::ISO_8859_5),
        ("ЦИКЪЛ: грешка при четене на файла", encoding_rs::WINDOWS_1251),
        ("le cœur du système, en mémoire partagée", encoding_rs::ISO_8859_15),
    ];
    assert_decoded_back(&cases);
    // Latin-1 letter pairs are kanji in Shift_JIS (`çõ`): not between
    // ASCII letters.
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Ajuda sobre as opções-longas-GNU:");
    assert_eq!(dec(&bytes).0, "Ajuda sobre as opções-longas-GNU:");
}

#[test]
fn one_letter_beyond_ascii_takes_the_language_of_the_rest() {
    // One letter beyond ASCII in short text: `č` in ISO-8859-2 and
    // windows-1250 is `è` in windows-1252, which chardetng proposes. The
    // letter alone fits Italian as well as Slovenian; the ASCII letters
    // around it do not.
    let cases = [
        ("podatkov ni bilo mogoč", encoding_rs::ISO_8859_2),
        (" ga na največ osem zna", encoding_rs::ISO_8859_2),
        ("napaka pri odpiranju, več info", encoding_rs::WINDOWS_1250),
        (" več informacij v dnevniku", encoding_rs::WINDOWS_1250),
    ];
    assert_decoded_back(&cases);
}

#[test]
fn icelandic_and_legacy_romanian_are_read_in_their_own_encodings() {
    // The same bytes 0xF0 and 0xFE are Icelandic `ð` and `þ` in
    // windows-1252, Croatian `đ` and Romanian `ţ` in ISO-8859-2 and
    // windows-1250. Icelandic is in the letter table (from GTK and GLib),
    // and Romanian there counts `ș` and `ț` as the `ş` and `ţ` that legacy
    // encodings write for them. (With Icelandic missing, `ð` and `þ` paid
    // the whole mismatch and the Icelandic lines were read as ISO-8859-2,
    // `Hvađ heitir ţú?`; with Romanian's cedilla forms rare in its counts,
    // a Romanian line with `ţ` could be read as windows-1252 `încercaþi`.)
    let cases = [
        ("Hvað heitir þú?", encoding_rs::WINDOWS_1252),
        ("Smelltu á hnappinn til að halda áfram", encoding_rs::WINDOWS_1252),
        ("Það er gott að vera hér, sagði hún og þakkaði fyrir sig.", encoding_rs::WINDOWS_1252),
        ("Pogreška: datoteka nije pronađena", encoding_rs::ISO_8859_2),
        ("Eroare la citirea fişierului, încercaţi", encoding_rs::ISO_8859_2),
        (
            "Vrijeme je isteklo, pokušajte ponovno kasnije: veza je prekinuta, rođendan",
            encoding_rs::WINDOWS_1250,
        ),
        ("Fişierul nu a fost găsit în acest director", encoding_rs::ISO_8859_2),
        ("Nu s-a putut deschide fişierul, încercaţi din nou", encoding_rs::WINDOWS_1250),
    ];
    assert_decoded_back(&cases);
}

#[test]
fn short_latin_fragments_are_read_in_their_own_encodings() {
    // Every piece of 16, 22 and 30 characters (from every third character;
    // near the end of a line a longer cut that is the same as a shorter one
    // is left out) of sentences written for this test, that has a letter
    // beyond ASCII: 345 pieces. 36 were misread before single-byte readings
    // paid their language mismatch, 13 after: `neplatný argument`
    // read as windows-1254 (`ı` is as Turkish as `ý` is Czech, and
    // chardetng proposes it), and a `č` at either end with little around
    // it (`č informacij v d`).
    let table = include_str!("../../tests/data/decode/latin-sentences.txt");
    let (mut pieces, mut misses) = (0, Vec::new());
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (label, text) = line.split_once('\t').expect("label and text");
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).expect("label");
        let chars: Vec<char> = text.chars().collect();
        for start in (0..chars.len().saturating_sub(16).max(1)).step_by(3) {
            let mut last = 0;
            for len in [16, 22, 30] {
                let end = chars.len().min(start + len);
                if end == last {
                    continue;
                }
                last = end;
                let piece: String = chars[start..end].iter().collect();
                if piece.is_ascii() {
                    continue;
                }
                pieces += 1;
                let (bytes, _, _) = encoding.encode(&piece);
                let (out, info, _) = dec(&bytes);
                if out != piece {
                    misses.push(format!("{piece:?} as {}", info.encoding));
                }
            }
        }
    }
    assert_eq!(pieces, 345);
    assert!(misses.len() <= 13, "{} misses: {misses:#?}", misses.len());
}

#[test]
fn kanji_only_japanese_shows_in_its_shinjitai() {
    use super::lang::classify;
    // Two different shinjitai Chinese does not write (`変`, `対`).
    assert_eq!(classify("変数の対応"), Language::Japanese);
    assert_eq!(classify("配列変数対応表"), Language::Japanese);
    // One is not enough: classical poems write `髪`.
    assert_eq!(classify("白髪三千丈，緣愁似箇長。"), Language::Chinese);
    // Nor two that classical poems write, in a Tang line.
    assert_eq!(classify("隣家送魚鼈，問我數能來。"), Language::Chinese);
    assert_eq!(classify("髪鬢梳頭宫様妝，春風一曲杜韋娘。"), Language::Chinese);
    // `値` (Chinese `值`), a shinjitai that OpenCC's table lists among its
    // own forms, in a short text.
    assert_eq!(classify("--namelength <数値>"), Language::Japanese);
    assert_eq!(classify("日本导演黑泽明的电影《七武士》"), Language::Chinese);
}

#[test]
fn a_bom_wins_over_a_forced_encoding() {
    let mut changes = Changes::new();
    let (text, info) = decode("\u{FEFF}中文".as_bytes(), Some(GBK), &mut changes);
    assert_eq!(text, "中文");
    assert_eq!((info.encoding, info.bom), ("UTF-8", true));
    assert_eq!(changes.count(Rule::Bom), 1);
    let le = encoding_for_label("utf-16le").unwrap();
    let (text, info) = decode(b"\xFE\xFF\x4E\x2D\x65\x87", Some(le), &mut Changes::new());
    assert_eq!(text, "中文");
    assert_eq!(info.encoding, "UTF-16BE");
    // Without a BOM the forced encoding decides, with confidence 1.
    let (text, info) = decode(b"\xD6\xD0\xCE\xC4", Some(GBK), &mut Changes::new());
    assert_eq!((text.as_ref(), info.encoding, info.confidence), ("中文", "GBK", 1.0));
}

/// A stray NUL in 54 KB of text is text whatever the size of the file
/// (decoded, for the normaliser to remove); NULs one in a KiB or closer
/// are binary.
#[test]
fn a_stray_nul_in_text_is_text() {
    let line = "中共中央总书记、国家主席江泽民发表新年讲话。\n";
    let mut text = line.repeat(54_000 / line.len());
    text.insert(text.len() / 2 - (text.len() / 2) % line.len(), '\0');
    let (out, info, _) = dec(text.as_bytes());
    assert_eq!(info.binary, None);
    assert_eq!((info.encoding, out.as_ref()), ("UTF-8", text.as_str()));
    // The same in GBK.
    let gbk = GBK.encode(&text).0;
    let (out, info, _) = dec(&gbk);
    assert_eq!(info.binary, None);
    assert_eq!(out, text);
    // Dense NULs are not text (one in 7 bytes here; a UTF-8 text with a
    // NUL every few lines is read as UTF-16 by the UTF-16 check, not as
    // UTF-8 with NULs).
    assert_eq!(dec(b"abc\x00def").1.binary.as_deref(), Some("NUL bytes"));
}

#[test]
fn a_forced_encoding_keeps_nul_and_control_bytes() {
    let (text, info) = decode(b"\xD6\xD0\x00\x01\xCE\xC4\x00", Some(GBK), &mut Changes::new());
    assert_eq!(text, "中\u{0}\u{1}文\u{0}");
    assert_eq!(info.binary, None);
    // The same bytes undetected are binary.
    assert_eq!(dec(b"\xD6\xD0\x00\x01\xCE\xC4\x00").1.binary.as_deref(), Some("NUL bytes"));
    // Streamed, too.
    let mut d = StreamDecoder::new(Some(UTF_8));
    let mut out = String::new();
    d.feed(b"a\x00", false, &mut out, &mut Changes::new());
    d.feed(b"b", true, &mut out, &mut Changes::new());
    assert_eq!(out, "a\u{0}b");
}

#[test]
fn utf8_with_overlong_sequences_stays_utf8() {
    let mut bytes = "这是一行正常的中文".as_bytes().to_vec();
    bytes.extend_from_slice(b"\xC0\xAF");
    bytes.extend_from_slice("文本，".as_bytes());
    bytes.extend_from_slice(b"\xE0\x80\xAF");
    bytes.extend_from_slice("没有别的问题".as_bytes());
    let (text, info, changes) = dec(&bytes);
    assert_eq!(info.encoding, "UTF-8");
    assert!(text.starts_with("这是一行正常的中文\u{FFFD}"), "{text}");
    assert!(text.ends_with("没有别的问题"), "{text}");
    assert_eq!(info.mixed_lines, 0);
    assert_eq!(changes.count(Rule::Malformed), info.replacements);
    assert!(info.replacements >= 2);
    // The same line inside a longer UTF-8 file.
    let mut file = "第一行没有问题。\n".repeat(3).into_bytes();
    file.extend_from_slice(&bytes);
    let (text, info, _) = dec(&file);
    assert!(text.ends_with("没有别的问题"), "{text}");
    assert_eq!(info.mixed_lines, 0);
}

#[test]
fn near_readings_get_a_low_confidence() {
    // `père mère` in windows-1252 is `pčre mčre` in ISO-8859-2: two
    // readings alike under the letter model, so not 0.97.
    let (_, info, _) = dec(b"p\xE8re m\xE8re");
    assert!(info.confidence < 0.9, "{info:?}");
    assert!(!info.language.chinese_rules());
    // A clear Chinese reading is sure.
    let (_, info, _) = dec(&GBK.encode("经济增长显著下降，市场反应平稳").0);
    assert!(info.confidence > 0.97, "{info:?}");
}

#[test]
fn cyrillic_in_capitals_against_its_koi8_swap_is_not_sure() {
    // windows-1251 capitals are KOI8 small letters: `БРОЙ` (a placeholder
    // of a help text) reads as `апни`. Whichever wins, a lead of one over
    // the other on a word or two is no reason to be sure.
    let cp1251 = encoding_rs::WINDOWS_1251;
    for text in ["-c, -C БРОЙ, --context[=БРОЙ]", "ОШИБКА ФАЙЛА"] {
        let (_, info, _) = dec(&cp1251.encode(text).0);
        assert!(info.confidence <= 0.75, "{text}: {info:?}");
    }
    // Longer text in capitals, or small letters and capitals together:
    // the letters tell, and the reading is sure.
    for text in ["ОШИБКА: НЕ УДАЛОСЬ ОТКРЫТЬ ФАЙЛ", "Не удалось открыть файл: Нет доступа"]
    {
        let (decoded, info, _) = dec(&cp1251.encode(text).0);
        assert_eq!((decoded.as_ref(), info.encoding), (text, "windows-1251"));
        assert!(info.confidence > 0.97, "{text}: {info:?}");
    }
}

#[test]
fn the_pipeline_skips_chinese_only_rules_for_other_languages() {
    use crate::config::{Config, ConvertSpec};
    let pipeline = crate::Pipeline::new(Config {
        convert: Some(ConvertSpec::new("s2t")),
        ..Config::default()
    })
    .unwrap();
    // Japanese (Shift_JIS): no conversion of 会社, no full-width `?`.
    let text = "会社の説明書はどこですか?\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let doc = pipeline.process_bytes(&bytes, None).unwrap();
    assert_eq!(doc.text, text);
    assert_eq!(doc.decode.language, Language::Japanese);
    for &rule in CHINESE_ONLY_AND_MOJIBAKE {
        assert_eq!(doc.changes.count(rule), 0, "{rule}");
    }
    // The same for text already decoded.
    let mut changes = Changes::new();
    assert_eq!(pipeline.process_text(text, &mut changes), text);
    // Chinese still gets them.
    let doc = pipeline.process_bytes("会社说明书在哪里?\n".as_bytes(), None).unwrap();
    assert_eq!(doc.text, "會社說明書在哪裏？\n");
}

#[test]
fn latin_letters_that_disagree_on_the_language_are_not_sure() {
    // In windows-1250, French `è` is Czech `č`: `deuxième` reads
    // `deuxičme`. When the reading that wins has letters beyond ASCII of a
    // language its ASCII letters fit worst, and the next one fits its
    // language much better, the winner is not sure.
    let cp1252 = encoding_rs::WINDOWS_1252;
    let text = "voir le deuxième et le troisième champ du quatrième tableau, puis le cinquième et le sixième\n";
    let (decoded, info, _) = dec(&cp1252.encode(&text.repeat(4)).0);
    assert!(decoded == text.repeat(4) || info.confidence <= 0.75, "{decoded}: {info:?}");
    // French whose letters are French: sure.
    let text = "Le fichier de configuration est introuvable. Vérifiez le chemin indiqué et réessayez à nouveau.\n";
    let (decoded, info, _) = dec(&cp1252.encode(text).0);
    assert_eq!((decoded.as_ref(), info.encoding), (text, "windows-1252"));
    assert!(info.confidence > 0.9, "{info:?}");
}
