//! The audit administrator's tools (审计管理员): verifying the hash chain, exporting records for
//! an auditor, and the retention that prunes old records while keeping the chain verifiable.

use chrono::{DateTime, Utc};
use hotline_domain::ValidationError;
use hotline_domain::audit_chain::{ChainBreak, ChainWalk, StoredLink};
use hotline_store::audit::{self, AuditFilter};
use hotline_store::audit_chain;
use hotline_store::entities::{audit_chain as chain_head, audit_event};

use crate::audit::{Entry, Outcome, mark_export_recorded};
use crate::{Core, CoreError, CoreResult, Principal};

/// Records read per query while verifying or exporting.
const PAGE: u64 = 1000;
/// Records deleted per transaction while pruning (keeps each lock on the head short).
const PRUNE_CHUNK: i64 = 5000;
/// The most records one export answers with; a longer period is exported in parts.
pub const EXPORT_MAX: usize = 100_000;

/// What a verification found.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// Records checked.
    pub records: u64,
    /// The first position kept (earlier ones were pruned) and the head.
    pub anchor_seq: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first difference, or none when the chain is intact.
    pub problem: Option<ChainBreak>,
}

#[derive(Debug, Clone, Default)]
pub struct ExportQuery {
    pub tenant_code: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn stored_link(row: &audit_event::Model) -> Option<StoredLink<'_>> {
    let seq = row.seq?;
    Some(StoredLink {
        record: audit_chain::chain_record(row, seq),
        prev_hash: row.prev_hash.as_deref().unwrap_or(""),
        hash: row.hash.as_deref().unwrap_or(""),
    })
}

impl Core {
    /// At start: creates the chain's head and gives the records written before the chain
    /// existed their places (once). Returns how many were sealed.
    pub async fn prepare_audit_chain(&self) -> CoreResult<u64> {
        // The audit chain is one for the whole platform: platform scope.
        hotline_store::scope::platform(async move { Ok(audit_chain::seal_legacy(&self.store.db, self.now()).await?) }).await
    }

    async fn chain_head(&self) -> CoreResult<chain_head::Model> {
        match audit_chain::head(&self.store.db).await? {
            Some(h) => Ok(h),
            None => {
                audit_chain::create_head(&self.store.db, self.now()).await?;
                audit_chain::head(&self.store.db).await?.ok_or_else(|| CoreError::Internal("the audit chain has no head".into()))
            }
        }
    }

    /// Walks the whole chain (`hotline-api audit-verify`; no principal: an operator's command).
    /// A walk that meets a concurrent pruning starts once more from the new anchor.
    pub async fn verify_audit_chain(&self) -> CoreResult<ChainReport> {
        // The audit chain is one for the whole platform: platform scope.
        hotline_store::scope::platform(async move {
            let first = self.walk_chain().await?;
            if first.problem.is_some() && self.chain_head().await?.anchor_seq != first.anchor_seq {
                return self.walk_chain().await;
            }
            Ok(first)
        })
        .await
    }

    async fn walk_chain(&self) -> CoreResult<ChainReport> {
        let head = self.chain_head().await?;
        let mut report =
            ChainReport { records: 0, anchor_seq: head.anchor_seq, head_seq: head.seq, head_hash: head.head_hash.clone(), problem: None };
        let mut walk = ChainWalk::from_anchor(head.anchor_seq, &head.anchor_prev_hash);
        let mut after = i64::MIN;
        'pages: loop {
            let rows = audit_chain::page(&self.store.db, after, PAGE).await?;
            for row in &rows {
                let Some(link) = stored_link(row) else { continue };
                if link.record.seq > head.seq {
                    // Appended after the walk began, or inserted beyond the head: told apart below.
                    break 'pages;
                }
                if let Err(e) = walk.push(&link) {
                    report.problem = Some(e);
                    return Ok(report);
                }
                after = link.record.seq;
            }
            if (rows.len() as u64) < PAGE {
                break;
            }
        }
        match walk.finish(head.seq, &head.head_hash) {
            Ok(n) => report.records = n,
            Err(e) => {
                report.problem = Some(e);
                return Ok(report);
            }
        }
        // Records beyond the head read at the start are fine if the head has reached them since
        // (an append commits its record and the head together); otherwise they were inserted.
        let beyond = audit_chain::page(&self.store.db, head.seq, PAGE).await?;
        let now_head = self.chain_head().await?;
        if let Some(row) = beyond.iter().find(|r| r.seq.is_some_and(|s| s > now_head.seq)) {
            report.problem = Some(ChainBreak::Outside { seq: row.seq.unwrap_or_default(), id: row.id });
            return Ok(report);
        }
        if head.legacy_sealed
            && let Some(id) = audit_chain::first_unchained(&self.store.db).await?
        {
            report.problem = Some(ChainBreak::Unchained { id });
        }
        Ok(report)
    }

    /// The hash stored at position `seq` (to compare with a head recorded outside the database:
    /// the chain's hash is public, so only such an outside copy catches a rewrite of the whole
    /// chain by someone with write access to the database).
    pub async fn audit_hash_at(&self, seq: i64) -> CoreResult<Option<String>> {
        // The audit chain is one for the whole platform: platform scope.
        hotline_store::scope::platform(async move { Ok(audit_chain::hash_at(&self.store.db, seq).await?) }).await
    }

    /// Verification by the audit administrator, over the API; the check itself is recorded.
    pub async fn verify_audit(&self, p: &Principal) -> CoreResult<ChainReport> {
        self.require_audit_admin(p, "audit.verify").await?;
        let report = self.verify_audit_chain().await?;
        let (outcome, detail) = match &report.problem {
            None => (Outcome::Success, format!("{} records intact, #{}..#{}", report.records, report.anchor_seq, report.head_seq)),
            Some(problem) => (Outcome::Failure, problem.to_string()),
        };
        self.audit(Entry::by(p, "audit.verify", "audit_chain", outcome).detail(detail)).await;
        Ok(report)
    }

    /// The records of a period (and a tenant) in chain order, with their hashes, for an
    /// auditor to keep and check. The export itself is recorded, after the records it holds.
    pub async fn export_audit(&self, p: &Principal, q: ExportQuery) -> CoreResult<Vec<audit_event::Model>> {
        self.require_audit_admin(p, "audit.export").await?;
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from >= to
        {
            return Err(ValidationError::new("to", "empty_period", "`to` must come after `from`").into());
        }
        let tenant = match &q.tenant_code {
            Some(code) => Some(self.visible_tenant(p, code).await?.id),
            None => None,
        };
        let filter = AuditFilter { tenant, from: q.from, to: q.to, ..Default::default() };
        let mut rows: Vec<audit_event::Model> = Vec::new();
        let mut after = i64::MIN;
        loop {
            let page = audit::in_chain_order(&self.store.db, &filter, after, PAGE).await?;
            let full = page.len() as u64 == PAGE;
            after = page.last().and_then(|r| r.seq).unwrap_or(after);
            rows.extend(page);
            if rows.len() > EXPORT_MAX {
                return Err(ValidationError::new(
                    "to",
                    "export_too_large",
                    format!("more than {EXPORT_MAX} records: export a shorter period (from/to) in parts"),
                )
                .into());
            }
            if !full {
                break;
            }
        }
        let span = match (rows.first().and_then(|r| r.seq), rows.last().and_then(|r| r.seq)) {
            (Some(a), Some(b)) => format!("#{a}..#{b}"),
            _ => "none".to_owned(),
        };
        let detail = format!(
            "{} records ({span}); tenant={} from={} to={}",
            rows.len(),
            q.tenant_code.as_deref().unwrap_or("all"),
            q.from.map(|t| t.to_rfc3339()).unwrap_or_default(),
            q.to.map(|t| t.to_rfc3339()).unwrap_or_default()
        );
        self.audit_on(&self.store.db, Entry::by(p, "audit.export", "audit_events", Outcome::Success).detail(detail)).await?;
        mark_export_recorded();
        Ok(rows)
    }

    /// Deletes the records older than the retention period from the start of the chain, moving
    /// its anchor; the worker calls this on each pass (cheap when there is nothing to do).
    pub async fn prune_audit(&self) -> CoreResult<u64> {
        // The audit chain is one for the whole platform: platform scope.
        hotline_store::scope::platform(async move {
            let retention = chrono::TimeDelta::from_std(self.security.audit_retention).unwrap_or(chrono::TimeDelta::MAX);
            let Some(cutoff) = self.now().checked_sub_signed(retention) else { return Ok(0) };
            let head = self.chain_head().await?;
            let keep_from = audit_chain::first_seq_since(&self.store.db, cutoff).await?.unwrap_or(head.seq + 1);
            if keep_from <= head.anchor_seq {
                return Ok(0);
            }
            let mut total = 0;
            loop {
                let n = audit_chain::prune_chunk(&self.store.db, keep_from, PRUNE_CHUNK, self.now()).await?;
                if n == 0 {
                    break;
                }
                total += n;
            }
            let mut entry = Entry::anonymous("audit.prune", Outcome::Success)
                .detail(format!("{total} records older than {} removed; the chain is anchored at #{keep_from}", cutoff.to_rfc3339()));
            entry.actor_kind = "system";
            self.audit(entry).await;
            Ok(total)
        })
        .await
    }

    async fn require_audit_admin(&self, p: &Principal, action: &str) -> CoreResult<()> {
        if self.is_audit_admin(p) {
            return Ok(());
        }
        self.audit_denied(p, action, "audit_chain", "not the audit administrator").await;
        Err(CoreError::forbidden("this is the audit administrator's work (auditor of the platform)"))
    }
}
