use uuid::Uuid;

/// Keyset pagination over UUIDv7 ids (which sort by creation): stable under concurrent
/// inserts, and each page costs an index range scan, however deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Return rows after this id (ascending lists) or before it (newest-first lists).
    pub after: Option<Uuid>,
    pub limit: u64,
}

impl PageRequest {
    pub const MAX_LIMIT: u64 = 200;
    pub const DEFAULT_LIMIT: u64 = 50;

    pub fn first(limit: u64) -> Self {
        Self { after: None, limit }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id to pass as `after` for the next page; `None` on the last page.
    pub next: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says "there is more".
    pub fn from_rows(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(&id) } else { None };
        Self { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_row_means_another_page() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page::from_rows(ids.clone(), 2, |u| *u);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next, Some(ids[1]));
        let last = Page::from_rows(ids[..2].to_vec(), 2, |u| *u);
        assert_eq!(last.next, None);
    }
}
