//! Unit tests of the normaliser: one per rule, the traps, idempotence.

use super::*;

fn with(config: &Config, s: &str) -> (String, Changes) {
    let n = Normalizer::new(config);
    let mut c = Changes::explaining();
    let out = n.normalize(s, &mut c).into_owned();
    (out, c)
}

fn norm(s: &str) -> String {
    with(&Config::default(), s).0
}

/// Asserts `input` becomes `want`, that only `rules` fired, and that a
/// second run changes nothing.
#[track_caller]
fn check(input: &str, want: &str, rules: &[Rule]) {
    let (got, c) = with(&Config::default(), input);
    assert_eq!(got, want, "input {input:?}");
    let fired: Vec<Rule> = c.counts().map(|(r, _)| r).collect();
    let mut expect = rules.to_vec();
    expect.sort();
    assert_eq!(fired, expect, "rules for {input:?}: {:?}", c.explained());
    assert_eq!(norm(&got), got, "not idempotent on {input:?}");
}

#[track_caller]
fn same(input: &str) {
    let (got, c) = with(&Config::default(), input);
    assert_eq!(got, input, "changed: {:?}", c.explained());
    assert_eq!(c.total(), 0);
}

#[test]
fn borrowed_when_clean() {
    let n = Normalizer::new(&Config::default());
    let mut c = Changes::new();
    let text = "迈向充满希望的新世纪——一九九八年新年讲话（附图片）\n“你好”，世界！……\n";
    assert!(matches!(n.normalize(text, &mut c), Cow::Borrowed(_)));
    assert_eq!(c.total(), 0);
}

#[test]
fn line_ends() {
    check("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行", &[Rule::LineEnds]);
    check("a\r\n", "a\n", &[Rule::LineEnds]);
}

#[test]
fn trailing_space() {
    check("你好  \n世界\t\n", "你好\n世界\n", &[Rule::TrailingSpace]);
    same("你好\u{3000}\n");
    same("  缩进的行\n");
}

#[test]
fn invisible() {
    check("中\u{200B}国\u{200B}人", "中国人", &[Rule::Invisible]);
    check("\u{FEFF}第一章", "第一章", &[Rule::Invisible]);
    check("标题\u{7}正文", "标题正文", &[Rule::Invisible]);
    check("soft\u{AD}ware\u{85}", "software", &[Rule::Invisible]);
    same("👨\u{200D}👩\u{200D}👧");
    same("a\u{200C}b\tc");
}

#[test]
fn spaces() {
    check("rare\u{A0}earth", "rare earth", &[Rule::Spaces]);
    check("a\u{2002}b\u{202F}c\u{205F}d", "a b c d", &[Rule::Spaces]);
    check("中文\u{A0}\n", "中文\n", &[Rule::Spaces, Rule::TrailingSpace]);
    same("\u{3000}\u{3000}段落开头");
}

#[test]
fn compat_ideographs() {
    check("\u{F900}", "\u{8C48}", &[Rule::CompatIdeographs]);
    check("\u{F91D}", "\u{6B04}", &[Rule::CompatIdeographs]);
    check("\u{2F800}", "\u{4E3D}", &[Rule::CompatIdeographs]);
    same("\u{FA11}\u{FA0E}\u{FA29}");
}

#[test]
fn radicals() {
    check("⾮完备的场合", "非完备的场合", &[Rule::Radicals]);
    check("⺠主", "民主", &[Rule::Radicals]);
    check("⻘年", "青年", &[Rule::Radicals]);
    check("⽅法", "方法", &[Rule::Radicals]);
    // A line that is mostly radicals: a radical table.
    same("⼀ ⼁ ⼂ ⼃ ⼄");
    same("部首：⼈⼉⼊⼋");
    // A component in a description of a missing character (Tang poems).
    same("咿呦叫冤{⻊兀}。");
    same("字作⿰⻊兀");
}

#[test]
fn width_alnum() {
    check("１９９８年１２月３１日", "1998年12月31日", &[Rule::WidthAlnum]);
    check("ＡＢＣ公司", "ABC公司", &[Rule::WidthAlnum]);
    check("（１）第一条", "（1）第一条", &[Rule::WidthAlnum]);
}

mod width_alnum_fast_path {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Lines whose only trigger is `width-alnum` take a byte-wise path:
        /// every full-width digit and letter, and nothing else, becomes
        /// ASCII, each counted once, with or without `--explain`.
        #[test]
        fn maps_exactly_the_wide_alnum(s in "[０-９Ａ-Ｚａ-ｚ１中文，\n]{0,80}") {
            let want: String = s
                .chars()
                .map(|c| if class::is_wide_alnum(c) { ((c as u32 - 0xFEE0) as u8) as char } else { c })
                .collect();
            let wide = s.chars().filter(|&c| class::is_wide_alnum(c)).count() as u64;
            let n = Normalizer::new(&Config::default());
            for mut c in [Changes::new(), Changes::explaining()] {
                let out = n.normalize(&s, &mut c);
                prop_assert_eq!(&*out, want.as_str());
                prop_assert_eq!(c.total(), wide);
            }
        }
    }
}

mod width_fast_path_equals_slow_path {
    use super::*;
    use proptest::prelude::*;

    fn configs() -> Vec<Config> {
        let mut no_quotes = Config { quotes: QuoteStyle::Corner, ..Config::default() };
        no_quotes.rules.remove(Rule::CjkQuotes);
        let mut configs = vec![
            Config::default(),
            Config { quotes: QuoteStyle::Curly, ..Config::default() },
            no_quotes,
        ];
        // Each normalisation rule off in turn: a rule switched off has no
        // trigger, and the plan must not act for it.
        for &rule in
            Rule::ALL.iter().filter(|r| r.stage() == crate::rules::PipelineStage::Normalize)
        {
            let mut off = Config::default();
            off.rules.remove(rule);
            configs.push(off);
        }
        configs
    }

    proptest! {
        /// A line the byte-wise width path takes comes out as the slow
        /// path (`fix_line`) makes it, with the same counts.
        #[test]
        fn same_text_and_counts(
            s in "[０-９Ａａ５1a中文．％／－＊＂＇＄]{0,12}[.。 ,，…\"]?[０-９Ａａ５1a中文．％／－＊＂＇＄]{0,12}"
        ) {
            for cfg in configs() {
                let n = Normalizer::new(&cfg);
                let mut fast = Changes::new();
                let got = n.normalize(&s, &mut fast).into_owned();

                let (mut wide, mut plan) = (Vec::new(), Vec::new());
                let (_, flags) = scan(s.as_bytes(), 0, &mut wide);
                let f = flags & n.enabled;
                let has_cjk = flags & (HAN | CJKP) != 0;
                let f = if has_cjk { f } else { f & !(CONTEXT | QSTYLE) };
                if f == 0 || f & !(WALNUM | WSYM) != 0 || s.ends_with(' ') {
                    continue;
                }
                let took = width_plan(&s, &wide, f, cfg.quotes, &mut plan);
                let mut slow = Changes::new();
                let mut scratch = Scratch::default();
                let fixed = n.fix_line(&s, f, has_cjk, false, false, 1, &mut slow, &mut scratch);
                let want = if fixed { scratch.line.clone() } else { s.clone() };
                prop_assert_eq!(&got, &want, "{:?} ({:?}, fast path: {})", s, cfg.quotes, took);
                prop_assert_eq!(fast.counts().collect::<Vec<_>>(), slow.counts().collect::<Vec<_>>());
            }
        }
    }

    /// The property above is not vacuous: lines with symbols to change go
    /// the fast way, `.` between digits included.
    #[test]
    fn symbols_take_the_fast_path() {
        const BOTH: u32 = WALNUM | WSYM;
        for (line, want) in [
            ("增长３．５％", true),
            ("１／２", true),
            ("中．５", true),
            ("５．．", false),
            ("a＂b", false),
        ] {
            let mut wide = Vec::new();
            let (_, flags) = scan(line.as_bytes(), 0, &mut wide);
            assert!(flags & WSYM != 0, "{line}");
            assert_eq!(
                width_plan(line, &wide, BOTH, QuoteStyle::Keep, &mut Vec::new()),
                want,
                "{line}"
            );
        }
        assert!(!width_plan("３．５", &[3], BOTH, QuoteStyle::Curly, &mut Vec::new()));
    }
}

#[test]
fn width_symbols() {
    check("增长３．５％", "增长3.5%", &[Rule::WidthAlnum, Rule::WidthSymbols]);
    check("Ａ＆Ｂ", "A&B", &[Rule::WidthAlnum, Rule::WidthSymbols]);
    same("价格＄，是＃号");
    // The policy lists `～` too: a range between digits goes narrow.
    check("３～５", "3~5", &[Rule::WidthAlnum, Rule::WidthSymbols]);
}

#[test]
fn cjk_punct() {
    check("你好,世界", "你好，世界", &[Rule::CjkPunct]);
    check("你去吗?我不去", "你去吗？我不去", &[Rule::CjkPunct]);
    check(
        "俄愿与美达成稀土贸易协议 背刺中共?",
        "俄愿与美达成稀土贸易协议 背刺中共？",
        &[Rule::CjkPunct],
    );
    check("你好 ,世界", "你好，世界", &[Rule::CjkPunct]);
    check("太好了!", "太好了！", &[Rule::CjkPunct]);
    check("标题: 副标题", "标题：副标题", &[Rule::CjkPunct]);
    check("他说:\"你好\"", "他说：“你好”", &[Rule::CjkPunct, Rule::CjkQuotes]);
    check("如下:", "如下：", &[Rule::CjkPunct]);
    check("甲;乙", "甲；乙", &[Rule::CjkPunct]);
    check(
        "售价1,000元,折后999.5元.",
        "售价1,000元，折后999.5元。",
        &[Rule::CjkPunct, Rule::CjkPeriod],
    );
    same("1,000");
    same("10:30");
    same("比分2：1");
    same("时间10:30开始");
    same("呵呵:) 好的");
    same("好的;)");
    same("访问https://example.com/a?b=1,c=2获取");
    same("https://a.b/c?d=1");
    same("乔布斯说「Stay hungry, stay foolish.」");
    same("邮件a.b@example.com,");
    same("`a?b:c` 中文");
    same("用 `中,文` 表示");
    same("<a href=\"x?y=1,2\">链接</a>");
}

#[test]
fn cjk_parens() {
    check("价格(含税)为", "价格（含税）为", &[Rule::CjkParens]);
    check("Python(编程语言)", "Python（编程语言）", &[Rule::CjkParens]);
    check("见(1)", "见（1）", &[Rule::CjkParens]);
    same("f(x)");
    same("中文f(x)");
    same("呵呵(^_^)");
    same("[链接](https://a.b/(c))");
    same("一个(左括号");
}

#[test]
fn cjk_period() {
    check("你好,世界.", "你好，世界。", &[Rule::CjkPunct, Rule::CjkPeriod]);
    check("完了.下一句", "完了。下一句", &[Rule::CjkPeriod]);
    same("3.14");
    same("第3.2节");
    same("版本1.2.3发布");
    same("2024.1.1");
    same("e.g. U.S. Dr. 中文");
    same("第一章.总则");
    same("一.总则");
    same("见www.example.com.");
    same("文件名.txt");
}

#[test]
fn cjk_quotes() {
    check("他说\"你好\"", "他说“你好”", &[Rule::CjkQuotes]);
    check("'中文'", "‘中文’", &[Rule::CjkQuotes]);
    same("\"hello\" 中文");
    same("{\"name\": \"张三\"}");
    same("他说\"你好");
    same("don't 中文");
    same("<a href=\"x\">链接</a>");
}

#[test]
fn ellipsis() {
    check("等等...还有", "等等……还有", &[Rule::Ellipsis]);
    check("他说。。。", "他说……", &[Rule::Ellipsis]);
    check("未完…", "未完……", &[Rule::Ellipsis]);
    check("好......", "好……", &[Rule::Ellipsis]);
    same("f(...args)");
    same("1...10");
    same("Wait... 好");
    same("第一章 ........ 5");
    same("第一章......5");
    same("未完……");
}

#[test]
fn name_dot() {
    check("詹姆斯‧利廷斯基", "詹姆斯·利廷斯基", &[Rule::NameDot]);
    check("斯科特・丹恩", "斯科特·丹恩", &[Rule::NameDot]);
    check("斯科特･丹恩", "斯科特·丹恩", &[Rule::NameDot]);
    same("ジョン・スミス");
    same("a⋅b");
    same("3⋅4");
    same("• 第一点");
    same("l·l");
}

#[test]
fn forms() {
    check("时间︰上午", "时间：上午", &[Rule::Forms]);
    check("﹁你好﹂", "「你好」", &[Rule::Forms]);
    check("︵注︶", "（注）", &[Rule::Forms]);
    check("你好﹐世界﹗", "你好，世界！", &[Rule::Forms]);
    check("﹙一﹚", "（一）", &[Rule::Forms]);
    check("好｡", "好。", &[Rule::Forms]);
    check("３﹒１４", "3.14", &[Rule::WidthAlnum, Rule::Forms]);
    check("说︙", "说……", &[Rule::Forms, Rule::Ellipsis]);
}

#[test]
fn nfc() {
    check("Cafe\u{301}", "Café", &[Rule::Nfc]);
    check("\u{2126}", "\u{3A9}", &[Rule::Nfc]);
    same("Café");
}

#[test]
fn never_nfkc() {
    same("，：；！？（）…　①㈠㎡℃™½²～");
}

#[test]
fn code_fence_is_left() {
    same("```\nif a:\n    print(\"中文\")\n```\n");
    check("```\n１\n```\n", "```\n1\n```\n", &[Rule::WidthAlnum]);
}

#[test]
fn quote_style() {
    let mut config = Config { quotes: QuoteStyle::Corner, ..Config::default() };
    let (got, c) = with(&config, "他说“你好‘世界’”，don’t\"中文\"");
    assert_eq!(got, "他说「你好『世界』」，don’t「中文」");
    assert_eq!(c.count(Rule::Quotes), 6);
    config.quotes = QuoteStyle::Curly;
    assert_eq!(with(&config, "「老师『好』」").0, "“老师‘好’”");
}

#[test]
fn rules_switch_off() {
    for &rule in Rule::ALL {
        if rule.stage() != crate::rules::PipelineStage::Normalize {
            continue;
        }
        let mut config = Config::default();
        config.rules.remove(rule);
        config.quotes = QuoteStyle::Corner;
        let input = "１２　ＡＢ３．５％\u{200B}中\u{A0}文\u{F900}⺠主,你好?好.中(中)\"中\"好...\
            詹姆斯‧利廷斯基︵注︶Cafe\u{301}“中”  \r\n";
        let (_, c) = with(&config, input);
        assert_eq!(c.count(rule), 0, "{rule} fired while off");
        let (_, all) = with(&Config { quotes: QuoteStyle::Corner, ..Config::default() }, input);
        assert!(all.count(rule) > 0, "{rule} never fires on the sample");
    }
}

#[test]
fn explain_positions() {
    let (_, c) = with(&Config::default(), "第一行\n你好,世界");
    let e = &c.explained()[0];
    assert_eq!((e.rule, e.line, e.column), (Rule::CjkPunct, 2, 3));
}

#[test]
fn open_piece_keeps_final_spaces() {
    let n = Normalizer::new(&Config::default());
    let mut c = Changes::new();
    assert_eq!(n.normalize_piece("中文 ", true, &mut c), "中文 ");
    assert_eq!(n.normalize_piece("中文 \n下 ", true, &mut c), "中文\n下 ");
}

mod scan_matches_classification {
    use super::*;
    use proptest::prelude::*;

    /// The table-driven scan must find the bits a plain classification of
    /// every character gives (ellipsis runs aside).
    fn naive(line: &str) -> u32 {
        line.chars()
            .map(|c| if c.is_ascii() { class::ASCII[c as usize] } else { class::class_of(c) })
            .fold(0, |a, b| a | b)
    }

    proptest! {
        #[test]
        fn same_bits(s in "(\\PC|[\u{2000}-\u{2FFF}\u{3000}-\u{303F}\u{FE10}-\u{FFEF}中文。…０-９Ａ-Ｚａ-ｚ．％＂\r\t\u{7}])*") {
            let b = s.as_bytes();
            let mut pos = 0;
            let mut found = vec![7];
            while pos <= b.len() {
                let (end, f) = scan(b, pos, &mut found);
                let line = &s[pos..end];
                // The offsets of the full-width digits, letters and
                // symbols, and no others.
                let wide: Vec<usize> = line
                    .char_indices()
                    .filter(|&(_, c)| class::is_wide_alnum(c) || class::is_wide_symbol(c))
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(&found, &wide, "{:?}", line);
                // `HAN` may be over-reported (lead byte E4 also covers the
                // Yijing hexagrams U+4DC0–4DFF); it only lets a line into the
                // slow path, where characters are classified exactly.
                // The marks `, ? ! ; : .` are only reported where a rule
                // could fire (see `mark_may_fire`).
                let n = naive(line);
                let loose = ELLIPSIS | HAN | APUNCT | DOT;
                prop_assert_eq!(f & !loose, n & !loose, "{:?}", line);
                prop_assert!(f & HAN >= n & HAN);
                prop_assert_eq!(f & (APUNCT | DOT) & !n, 0);
                pos = end + 1;
            }
        }
    }
}
