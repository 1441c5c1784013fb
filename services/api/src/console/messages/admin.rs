//! Labels of the admin pages.

pub const ADMIN: &[super::Entry] = &[];
