//! The worker's pass over the knowledge base: an article past its valid-until date or due for
//! review is flagged to its owner once (by e-mail, through the outbox); a new date is news again.

use hotline_domain::kb::{Flag, flag_key};
use hotline_store::{kb, users};

use crate::{Core, CoreResult};

impl Core {
    /// Tells owners about newly expired articles and due reviews; returns how many were told.
    pub async fn flag_articles(&self) -> CoreResult<u64> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let now = self.now();
            let mut told = 0;
            for mut a in kb::flag_candidates(db, now).await? {
                let f = super::flags_of(&a, now);
                let Some(key) = flag_key(&f, a.valid_until, a.review_at) else { continue };
                if a.flag_notified.as_deref() == Some(key.as_str()) {
                    continue;
                }
                let email = users::find(db, a.tenant_id, a.owner_id).await?.and_then(|u| u.email);
                let txn = hotline_store::begin_write(db).await?;
                if let Some(to) = email {
                    let what: Vec<&str> = f
                        .iter()
                        .filter_map(|x| match x {
                            Flag::Expired => Some("已过有效期，不再提供检索 / expired, no longer served"),
                            Flag::ReviewDue => Some("已到复核日期 / due for review"),
                            Flag::NotYetValid => None,
                        })
                        .collect();
                    let subject = format!("[知识库 / Knowledge base] {}", a.title.chars().take(60).collect::<String>());
                    let body = format!("文章 / Article: {}\n编号 / Id: {}\n{}\n", a.title, a.id, what.join("\n"));
                    hotline_store::outbox::insert(&txn, vec![crate::notifications::email(Some(a.tenant_id), to, subject, body, now)])
                        .await?;
                }
                // Without an address the flag still counts as given: the list shows it to the line.
                a.flag_notified = Some(key);
                kb::update(&txn, a).await?;
                txn.commit().await?;
                told += 1;
            }
            Ok(told)
        })
        .await
    }
}
