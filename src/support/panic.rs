//! Panics as values: the one place the crate reads a panic's message.
//!
//! A panic's payload is a `Box<dyn Any + Send>`: the `&'static str` of
//! `panic!("literal")`, the `String` of `panic!("{x}")`, or anything passed
//! to `std::panic::panic_any`. [`message`] turns it into text for a report.

use std::any::Any;

/// The text of a panic payload, or a note that it carried none.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a text message".to_string()
    }
}

// ANCHOR: panic_hook
/// Replaces the default panic message (which names a file and line, and
/// adds a backtrace when `RUST_BACKTRACE` is set) with one stable line.
pub fn one_line_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        eprintln!(
            "thread '{}' panicked: {}",
            thread.name().unwrap_or("unnamed"),
            message(info.payload())
        );
    }));
}
// ANCHOR_END: panic_hook

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_payload_has_a_message() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(message(&*literal), "plain");
        let n = 3;
        let formatted = std::panic::catch_unwind(|| panic!("task {n}")).unwrap_err();
        assert_eq!(message(&*formatted), "task 3");
        let other = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(message(&*other), "a panic without a text message");
    }
}
