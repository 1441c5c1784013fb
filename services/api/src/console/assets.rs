//! The console's browser assets. Government networks block CDNs, so every third-party asset
//! is vendored (`services/api/console/vendor/`, checked by `tests/console/vendor.sh`) and, with
//! our own stylesheet and script (`services/api/console/static/`), embedded at compile time.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// An embedded file: its name under `/console/assets/`, media type and bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! vendored {
    ($name:literal, $media:literal) => {
        Asset { name: $name, media_type: $media, bytes: include_bytes!(concat!("../../console/vendor/", $name)) }
    };
}

macro_rules! own {
    ($name:literal, $media:literal) => {
        Asset { name: $name, media_type: $media, bytes: include_bytes!(concat!("../../console/static/", $name)) }
    };
}

const ASSETS: &[Asset] = &[
    own!("console.css", "text/css; charset=utf-8"),
    own!("console.js", "text/javascript; charset=utf-8"),
    vendored!("htmx.min.js", "text/javascript; charset=utf-8"),
    vendored!("echarts.min.js", "text/javascript; charset=utf-8"),
    vendored!("htmx.LICENSE.txt", "text/plain; charset=utf-8"),
    vendored!("echarts.LICENSE.txt", "text/plain; charset=utf-8"),
    vendored!("echarts.NOTICE.txt", "text/plain; charset=utf-8"),
    vendored!("echarts.LICENSE-d3.txt", "text/plain; charset=utf-8"),
];

/// A strong validator that changes with the bytes (the build embeds them, so it is fixed per
/// binary): FNV-1a is enough to tell versions apart, not a security measure.
fn etag(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("\"{hash:016x}-{}\"", bytes.len())
}

/// `GET /console/assets/{name}`: an embedded asset, cacheable for a day and revalidated by ETag.
async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, crate::error::ApiError> {
    let a = ASSETS.iter().find(|a| a.name == name.as_str()).ok_or_else(|| crate::error::ApiError::not_found("asset"))?;
    let tag = etag(a.bytes);
    let matches =
        req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut res = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    res.insert_header((header::ETAG, tag)).insert_header((header::CACHE_CONTROL, "public, max-age=86400"));
    if matches {
        return Ok(res.finish());
    }
    Ok(res.content_type(a.media_type).body(a.bytes))
}

/// The URL of an asset with its validator as a query, so a new binary's file is fetched at once
/// instead of after the day of caching.
pub fn url(name: &str) -> String {
    let tag = ASSETS.iter().find(|a| a.name == name).map(|a| etag(a.bytes)).unwrap_or_default();
    format!("/console/assets/{name}?v={}", tag.trim_matches('"').split('-').next().unwrap_or(""))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/assets/{name}", web::get().to(asset));
}
