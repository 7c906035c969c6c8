//! Fault injection for the fail-closed tests, compiled only into test
//! builds: a check panics on any file whose text holds
//! `dod-test: panic[<check-id>]`.

/// Panics when one of the texts asks this check to.
pub fn inject<'a>(id: &str, mut texts: impl Iterator<Item = &'a String>) {
    let marker = format!("dod-test: panic[{id}]");
    if texts.any(|text| text.contains(&marker)) {
        panic!("injected panic in `{id}`");
    }
}
