//! Property tests (proptest) of the functions the `fuzz/` targets run: the phone normaliser and
//! masks, the intake body check, and rule sets (parse, serialise, compile, evaluate). They run in
//! `cargo test --workspace` (256 cases each, in-process) on stable Rust; the fuzz targets search
//! the same functions longer with coverage guidance (docs/SECURITY.md, "Fuzzing").

mod intake;
mod phone;
mod rules;

use proptest::prelude::*;

/// Text that reaches the interesting branches more often than uniform Unicode: the characters
/// the checks look at (`<`, `/`, `!`, spaces, line breaks, controls, digits, `+`) and CJK.
pub(crate) fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z0-9]{1,6}",
        2 => "[中文字路灯垃圾停水油烟]{1,4}",
        2 => prop::sample::select(vec!["<", ">", "</", "<!", "<?", "/", " ", "\n", "\r\n", "\t", "\u{0}", "\u{7f}", "\u{3000}", "+86", "0086", "-", "(", ")", "…"])
            .prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|v| v.concat())
}
