//! Labels of the dashboard pages.

pub const DASHBOARD: &[super::Entry] = &[];
