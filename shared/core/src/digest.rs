//! The daily digest to the city office (市热线办): yesterday's volume per line, overdue and
//! problem cases now, yesterday's satisfaction. Sent once per day (after 07:00 local time)
//! through the outbox.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime, TimeZone};
use hotline_domain::case::Rating;
use hotline_domain::{Role, RoleSet};
use hotline_notify::templates::{DigestLine, render_digest};
use hotline_store::cases::{self, CaseFilter, CaseScope};
use hotline_store::entities::case;
use hotline_store::{PageRequest, sweep, users};

use crate::{Core, CoreResult};

const SEND_AFTER: (u32, u32) = (7, 0);

fn row(lines: &mut BTreeMap<String, DigestLine>, code: String) -> &mut DigestLine {
    lines.entry(code.clone()).or_insert_with(|| DigestLine { line: code, ..Default::default() })
}

impl Core {
    /// Sends yesterday's digest if it is due and not sent yet; `true` when it was queued now.
    pub async fn send_daily_digest(&self) -> CoreResult<bool> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let org = self.routing.org(db).await?;
            let Some((platform, _)) = org.platform.clone() else { return Ok(false) };
            let tz = self.tenant_tz(db, platform).await?;
            let now = self.now();
            let local = now.with_timezone(&tz);
            if local.time() < NaiveTime::from_hms_opt(SEND_AFTER.0, SEND_AFTER.1, 0).expect("valid") {
                return Ok(false);
            }
            let day = local.date_naive() - Duration::days(1);
            let start = tz.from_local_datetime(&day.and_time(NaiveTime::MIN)).earliest().map(|t| t.to_utc()).unwrap_or(now);
            let end = start + Duration::days(1);

            // Which line a case belongs to: its lead unit's line, else the front door.
            let unit_line: BTreeMap<String, String> = org.units.iter().map(|(code, unit)| (unit.clone(), code.clone())).collect();
            let line_of =
                |c: &case::Model| c.lead_unit_id.and_then(|u| unit_line.get(&u.to_string()).cloned()).unwrap_or_else(|| "12345".into());
            let mut lines: BTreeMap<String, DigestLine> = org
                .lines
                .keys()
                .chain(std::iter::once(&"12345".to_owned()))
                .map(|c| (c.clone(), DigestLine { line: c.clone(), ..Default::default() }))
                .collect();
            let all = |f: CaseFilter| async move {
                let mut out = Vec::new();
                let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
                loop {
                    let batch = cases::list(db, CaseScope::All, &f, page).await?;
                    out.extend(batch.items);
                    match batch.next {
                        Some(n) => page.after = Some(n),
                        None => return CoreResult::Ok(out),
                    }
                }
            };
            for c in all(CaseFilter { created_from: Some(start), created_to: Some(end), ..Default::default() }).await? {
                row(&mut lines, line_of(&c)).received += 1;
            }
            for c in all(CaseFilter { overdue_at: Some(now), ..Default::default() }).await? {
                row(&mut lines, line_of(&c)).overdue += 1;
            }
            for c in all(CaseFilter { problem: Some(true), ..Default::default() }).await? {
                if c.status != "closed" {
                    row(&mut lines, line_of(&c)).problem += 1;
                }
            }
            for c in cases::rated_between(db, start, end).await? {
                let l = row(&mut lines, line_of(&c));
                l.rated += 1;
                if c.rating.as_deref().and_then(|r| Rating::parse(r).ok()).is_some_and(Rating::is_satisfied) {
                    l.satisfied += 1;
                }
            }
            let (subject, body) = render_digest(&day.to_string(), &lines.into_values().collect::<Vec<_>>());
            let recipients = users::emails_with_role(db, platform, &RoleSet::storage_pattern(Role::CitySupervisor)).await?;
            let txn = hotline_store::begin_write(db).await?;
            // Once per day, even with several workers: the claim and the messages commit together.
            if !sweep::claim_once(&txn, &format!("digest:{day}"), now).await? {
                txn.rollback().await?;
                return Ok(false);
            }
            let rows = recipients
                .into_iter()
                .map(|to| crate::notifications::email(Some(platform), to, subject.clone(), body.clone(), now))
                .collect();
            hotline_store::outbox::insert(&txn, rows).await?;
            txn.commit().await?;
            Ok(true)
        })
        .await
    }
}
