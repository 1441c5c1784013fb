//! Every label of the console: (key, 中文, English), one table per part of the console.
//! Vocabularies use `<vocabulary>.<value>`, form fields `field.<name>`, API error codes
//! `err.<code>`.

mod admin;
mod base;
mod dashboard;
mod work;

pub type Entry = (&'static str, &'static str, &'static str);

pub fn all() -> impl Iterator<Item = &'static Entry> {
    base::BASE.iter().chain(work::WORK).chain(admin::ADMIN).chain(dashboard::DASHBOARD)
}
