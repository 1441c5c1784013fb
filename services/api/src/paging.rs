//! Keyset pagination on the wire: `?limit=50&after=<next_cursor of the previous page>`.

use hotline_store::PageRequest;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::error::ApiError;

/// Turns the `limit` and `after` query parameters into a page request.
pub fn page_request(limit: Option<u64>, after: Option<&str>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(PageRequest::DEFAULT_LIMIT);
    if !(1..=PageRequest::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", format!("limit must be between 1 and {}", PageRequest::MAX_LIMIT)));
    }
    // An empty `after` is the first page (clients build `?after={cursor}` from an empty
    // start); the description says so with its pattern.
    let after = match after.filter(|a| !a.is_empty()) {
        Some(a) => Some(a.parse::<Uuid>().map_err(|_| ApiError::bad_request("invalid_query", "after must be a next_cursor value"))?),
        None => None,
    };
    Ok(PageRequest { after, limit })
}

/// Declares a list response `{ items: [...], next_cursor }` for an item type.
macro_rules! list_response {
    ($name:ident, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `after` to get the next page; absent on the last page.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(page: hotline_store::Page<T>, f: impl FnMut(T) -> $item) -> Self {
                let next_cursor = page.next.map(|n| n.to_string());
                Self { items: page.items.into_iter().map(f).collect(), next_cursor }
            }
        }
    };
}
pub(crate) use list_response;

/// For PATCH bodies: distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`, which clears the value).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
