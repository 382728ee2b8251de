//! An error with its chain of causes on one line, each cause once. It depends
//! on nothing in the crate, so the transports can describe a lost connection
//! the way [`crate::error`] prints any error, without importing the error type
//! that itself names theirs.

/// The error and its causes as printed: `error: top: cause: cause`, each cause
/// once (a message that already quotes its source does not get it twice).
pub(crate) fn render(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
