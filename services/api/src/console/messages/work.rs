//! Labels of the work pages.

pub const WORK: &[super::Entry] = &[];
