//! The `~` convention, shared by the output checks: a program prints a
//! value that varies between runs after a `~`, and the comparison replaces
//! the number that follows with `N`. Included with `#[path]` by
//! `tests/outputs.rs` and `tests/go.rs`.

/// `text` with the number after each `~` replaced by `N`.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '~' {
            let mut masked = false;
            while chars.next_if(|d| d.is_ascii_digit() || *d == '.').is_some() {
                masked = true;
            }
            if masked {
                out.push('N');
            }
        }
    }
    out
}
