//! Reading the statistics (issue 6): the summary of a period for the platform, a line or a
//! unit, with the figures of the level above beside it for comparison. Reads counters only.

use chrono::NaiveDate;
use hotline_domain::Role;
use hotline_domain::stats::{Counts, DayRange, Metric, Value};
use hotline_store::stats::{self, Level, OverdueQuery, Scope, SumQuery};
use serde::Serialize;
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// Platform roles that see every line.
const CITY_ROLES: [Role; 4] = [Role::CitySupervisor, Role::CityAdmin, Role::Dispatcher, Role::Auditor];

#[derive(Debug, Clone, Default)]
pub struct SummaryQuery {
    /// A line's code; platform roles only (a line and a unit see themselves).
    pub tenant: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Comma-separated metric names (default: all).
    pub metrics: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub metric: &'static str,
    pub chinese: &'static str,
    /// Null when undefined (a rate without denominator).
    pub value: Option<f64>,
    /// What the figure rests on: its denominator, or the count itself.
    pub sample: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// `platform`, a line's code, or a unit's id.
    pub subject: String,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub current: Figures,
    /// The level above, to compare with: the platform for a line, the line for a unit.
    pub reference: Option<Figures>,
}

fn figures(subject: String, counts: &Counts, metrics: &[Metric]) -> Figures {
    let figures = metrics
        .iter()
        .map(|m| Figure {
            metric: m.as_str(),
            chinese: m.chinese(),
            value: match m.value(counts) {
                Value::Count(n) => Some(n as f64),
                Value::Ratio(v) => v,
            },
            sample: counts.get(m.sample()),
        })
        .collect();
    Figures { subject, figures }
}

fn parse_metrics(list: Option<&str>) -> CoreResult<Vec<Metric>> {
    match list.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Metric::ALL.to_vec()),
        Some(s) => Ok(s.split(',').map(|m| Metric::parse(m.trim())).collect::<Result<Vec<_>, _>>()?),
    }
}

impl Core {
    /// The local days asked for, "today" being the reader's tenant's today.
    async fn day_range(&self, p: &Principal, from: Option<&str>, to: Option<&str>) -> CoreResult<DayRange> {
        let today = self.now().with_timezone(&self.tenant_tz(&self.store.db, p.tenant.id.0).await?).date_naive();
        Ok(DayRange::parse(from, to, today)?)
    }

    /// A line named in a query (`tenant`), or a clear error.
    async fn line_by_code(&self, code: &str) -> CoreResult<hotline_store::entities::tenant::Model> {
        hotline_store::tenants::find_by_code(&self.store.db, code)
            .await?
            .ok_or_else(|| hotline_domain::ValidationError::new("tenant", "unknown_tenant", format!("no line '{code}'")).into())
    }

    async fn platform_figures(&self, range: &DayRange, metrics: &[Metric]) -> CoreResult<Figures> {
        let mut all = self.summed(Scope::Platform, Level::Line, None, range, None).await?;
        self.fill_overdue(metrics, self.overdue_query(Scope::Platform, None, None), &mut all).await?;
        Ok(figures("platform".into(), all.get("").unwrap_or(&Counts::default()), metrics))
    }

    fn overdue_query(&self, scope: Scope, tenants: Option<Vec<Uuid>>, group_by: Option<&'static str>) -> OverdueQuery {
        OverdueQuery { scope, tenants, unit: None, group_by, now: self.now() }
    }

    /// Adds "overdue now" — a state read from the open cases, not a counter — to the counts of
    /// each key (as `summed` keys them), when it is asked for.
    async fn fill_overdue(
        &self,
        metrics: &[Metric],
        q: OverdueQuery,
        sums: &mut std::collections::BTreeMap<String, Counts>,
    ) -> CoreResult<()> {
        if !metrics.contains(&Metric::OverdueNow) {
            return Ok(());
        }
        let found = stats::overdue_now(&self.store.db, &q).await?;
        for counts in sums.values_mut() {
            counts.overdue_now = Some(0);
        }
        for (key, n) in found {
            sums.entry(key).or_default().overdue_now = Some(n);
        }
        if q.group_by.is_none() {
            sums.entry(String::new()).or_default().overdue_now.get_or_insert(0);
        }
        Ok(())
    }

    async fn summed(
        &self,
        scope: Scope,
        level: Level,
        tenants: Option<Vec<Uuid>>,
        range: &DayRange,
        group_by: Option<&'static str>,
    ) -> CoreResult<std::collections::BTreeMap<String, Counts>> {
        let q = SumQuery { scope, level, tenants, from: range.from, to: range.to, group_by, unit: None };
        let mut out: std::collections::BTreeMap<String, Counts> = std::collections::BTreeMap::new();
        for part in month_parts(&q) {
            for (key, counts) in stats::sum(&self.store.db, &part).await? {
                out.entry(key).or_default().merge(&counts);
            }
        }
        Ok(out)
    }

    /// `GET /stats/summary`: the city office and platform staff see the platform or any line;
    /// a line's administrators their line (beside the platform); unit staff their unit (beside
    /// their line).
    pub async fn stats_summary(&self, p: &Principal, q: SummaryQuery) -> CoreResult<Summary> {
        let range = self.day_range(p, q.from.as_deref(), q.to.as_deref()).await?;
        let metrics = parse_metrics(q.metrics.as_deref())?;
        let city = p.on_platform() && p.has_any(&CITY_ROLES);
        let line_code = match (&q.tenant, city) {
            (None, true) => {
                return Ok(Summary {
                    from: range.from,
                    to: range.to,
                    current: self.platform_figures(&range, &metrics).await?,
                    reference: None,
                });
            }
            (Some(code), true) => code.clone(),
            (requested, false) if p.has(Role::TenantAdmin) && !p.on_platform() => {
                if requested.as_deref().is_some_and(|c| c != p.tenant.code.as_str()) {
                    self.audit_denied(p, "stats.read", requested.as_deref().unwrap_or_default(), "another line").await;
                    return Err(CoreError::forbidden("a line sees its own figures"));
                }
                p.tenant.code.as_str().to_owned()
            }
            (None, false) if p.has_any(&[Role::UnitLead, Role::UnitHandler]) && p.unit_id.is_some() => {
                let unit = p.unit_id.map(|u| u.0).unwrap_or_default();
                let line = p.tenant.id.0;
                let mut units = self.summed(Scope::Line, Level::Unit, Some(vec![line]), &range, Some("unit_id")).await?;
                let mut lines = self.summed(Scope::Line, Level::Line, Some(vec![line]), &range, None).await?;
                let q = OverdueQuery { unit: Some(unit), ..self.overdue_query(Scope::Line, Some(vec![line]), Some("unit_id")) };
                self.fill_overdue(&metrics, q, &mut units).await?;
                self.fill_overdue(&metrics, self.overdue_query(Scope::Line, Some(vec![line]), None), &mut lines).await?;
                let empty = Counts::default();
                return Ok(Summary {
                    from: range.from,
                    to: range.to,
                    current: figures(unit.to_string(), units.get(&unit.to_string()).unwrap_or(&empty), &metrics),
                    reference: Some(figures(p.tenant.code.as_str().to_owned(), lines.get("").unwrap_or(&empty), &metrics)),
                });
            }
            _ => {
                self.audit_denied(p, "stats.read", "stats", "missing role").await;
                return Err(CoreError::forbidden("the statistics are for the city office, line administrators and unit staff"));
            }
        };
        let t = self.line_by_code(&line_code).await?;
        let mut line = self.summed(Scope::Line, Level::Line, Some(vec![t.id]), &range, None).await?;
        self.fill_overdue(&metrics, self.overdue_query(Scope::Line, Some(vec![t.id]), None), &mut line).await?;
        Ok(Summary {
            from: range.from,
            to: range.to,
            current: figures(line_code, line.get("").unwrap_or(&Counts::default()), &metrics),
            reference: Some(self.platform_figures(&range, &metrics).await?),
        })
    }
}

/// The dimensions figures can be compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Line,
    Unit,
    District,
    Category,
    ContactType,
    Urgency,
    Channel,
}

impl Dimension {
    const ALL: [Dimension; 7] = [
        Dimension::Line,
        Dimension::Unit,
        Dimension::District,
        Dimension::Category,
        Dimension::ContactType,
        Dimension::Urgency,
        Dimension::Channel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Line => "line",
            Dimension::Unit => "unit",
            Dimension::District => "district",
            Dimension::Category => "category",
            Dimension::ContactType => "contact_type",
            Dimension::Urgency => "urgency",
            Dimension::Channel => "channel",
        }
    }

    pub fn parse(s: &str) -> Result<Self, hotline_domain::ValidationError> {
        Self::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| {
            hotline_domain::ValidationError::new(
                "dimension",
                "invalid_value",
                format!("'{s}' is not one of: {}", Self::ALL.map(Dimension::as_str).join(", ")),
            )
        })
    }

    /// The counter level a dimension is read at, and its column there.
    fn level_and_column(self) -> (Level, &'static str) {
        match self {
            Dimension::Line => (Level::Line, "tenant_id"),
            Dimension::Unit => (Level::Unit, "unit_id"),
            Dimension::District => (Level::District, "district"),
            Dimension::Category => (Level::Category, "category"),
            Dimension::ContactType => (Level::Kind, "contact_type"),
            Dimension::Urgency => (Level::Kind, "urgency"),
            Dimension::Channel => (Level::Kind, "channel"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompareQuery {
    pub dimension: String,
    /// A line's code, to compare within one line (a line's administrators: always their own).
    pub tenant: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub metrics: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: &'static str,
    /// One entry per key of the dimension (lines by code, units by id).
    pub entries: Vec<Figures>,
}

/// The minimum sample of a ranking when none is asked for.
pub const DEFAULT_MIN_SAMPLE: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: &'static str,
    pub metric: &'static str,
    pub min_sample: i64,
    pub ranked: Vec<hotline_domain::stats::Ranked>,
    /// Keys left out for a sample below `min_sample` (or an undefined figure).
    pub too_few: Vec<String>,
}

impl Core {
    /// Per-key counts of a dimension, for those who may compare: the city office and platform
    /// staff across lines (or within one), a line's administrators within their line.
    async fn compared(
        &self,
        p: &Principal,
        q: &CompareQuery,
        metrics: &[Metric],
    ) -> CoreResult<(DayRange, Dimension, Vec<(String, Counts)>)> {
        let dim = Dimension::parse(q.dimension.trim())?;
        let range = self.day_range(p, q.from.as_deref(), q.to.as_deref()).await?;
        let city = p.on_platform() && p.has_any(&CITY_ROLES);
        let line_admin = p.has(Role::TenantAdmin) && !p.on_platform();
        let tenant = match (&q.tenant, city, line_admin) {
            (None, true, _) => None,
            (Some(code), true, _) => Some(code.clone()),
            (requested, false, true) if dim != Dimension::Line && requested.as_deref().is_none_or(|c| c == p.tenant.code.as_str()) => {
                Some(p.tenant.code.as_str().to_owned())
            }
            _ => {
                self.audit_denied(p, "stats.compare", &q.dimension, "not allowed to compare").await;
                return Err(CoreError::forbidden("comparisons are for the city office, and for a line within itself"));
            }
        };
        let tenant_id = match &tenant {
            Some(code) => Some(self.line_by_code(code).await?.id),
            None => None,
        };
        let (level, column) = dim.level_and_column();
        // Across the city, districts and categories are the platform's (each case once);
        // lines and units are counted where the work is, in the line scope.
        let scope = if matches!(dim, Dimension::Line | Dimension::Unit) || tenant_id.is_some() { Scope::Line } else { Scope::Platform };
        let tenants = tenant_id.map(|t| vec![t]);
        let mut sums = self.summed(scope, level, tenants.clone(), &range, Some(column)).await?;
        self.fill_overdue(metrics, self.overdue_query(scope, tenants, Some(column)), &mut sums).await?;
        let mut entries: Vec<(String, Counts)> = Vec::with_capacity(sums.len());
        let org = if dim == Dimension::Line { Some(self.routing.org(&self.store.db).await?) } else { None };
        for (key, counts) in sums {
            let key = match &org {
                // Lines are shown by their code.
                Some(org) => key.parse::<Uuid>().ok().and_then(|id| org.code_of.get(&id).cloned()).unwrap_or(key),
                None => key,
            };
            entries.push((key, counts));
        }
        Ok((range, dim, entries))
    }

    /// `GET /stats/compare`: the figures of each key of a dimension side by side.
    pub async fn stats_compare(&self, p: &Principal, q: CompareQuery) -> CoreResult<Comparison> {
        let metrics = parse_metrics(q.metrics.as_deref())?;
        let (range, dim, entries) = self.compared(p, &q, &metrics).await?;
        Ok(Comparison {
            from: range.from,
            to: range.to,
            dimension: dim.as_str(),
            entries: entries.into_iter().map(|(k, c)| figures(k, &c, &metrics)).collect(),
        })
    }

    /// `GET /stats/rankings`: a league table by one figure, best first, leaving out entries
    /// whose sample is below `min_sample`.
    pub async fn stats_rankings(&self, p: &Principal, q: CompareQuery, metric: &str, min_sample: Option<i64>) -> CoreResult<Ranking> {
        let metric = Metric::parse(metric.trim()).map_err(|mut e| {
            e.field = "metric".into();
            e
        })?;
        let min_sample = min_sample.unwrap_or(DEFAULT_MIN_SAMPLE);
        if !(0..=1_000_000).contains(&min_sample) {
            return Err(hotline_domain::ValidationError::new("min_sample", "out_of_range", "min_sample is 0 to 1,000,000").into());
        }
        let (range, dim, entries) = self.compared(p, &q, &[metric]).await?;
        let ranked = hotline_domain::stats::rank(&entries, metric, min_sample);
        let too_few = entries.iter().map(|(k, _)| k).filter(|k| !ranked.iter().any(|r| &r.key == *k)).cloned().collect();
        Ok(Ranking { from: range.from, to: range.to, dimension: dim.as_str(), metric: metric.as_str(), min_sample, ranked, too_few })
    }
}

#[derive(Debug, Clone, Default)]
pub struct SeriesQuery {
    /// `day`, `week`, `month` or `year`.
    pub bucket: Option<String>,
    pub tenant: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub metrics: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// `2026-03-09`, `2026-W11`, `2026-03` or `2026`.
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub subject: String,
    pub bucket: &'static str,
    pub points: Vec<Point>,
}

impl Core {
    /// A day-keyed sum read in whole months where it can be: the range's whole months from the
    /// month rollup (keyed by their first day), the days of a partial first or last month from
    /// the line level. Buckets of months or years then take the same key ranges as before.
    async fn summed_by_month(&self, q: &SumQuery) -> CoreResult<std::collections::BTreeMap<String, Counts>> {
        let mut out = std::collections::BTreeMap::new();
        for part in month_parts(q) {
            // The parts' days are disjoint, and so are their keys.
            out.extend(stats::sum(&self.store.db, &part).await?);
        }
        Ok(out)
    }
}

/// A line-level sum split into the month rollup's whole months and the days of a partial first
/// or last month: a month's summary reads one row per line instead of thirty (the same sums).
fn month_parts(q: &SumQuery) -> Vec<SumQuery> {
    use chrono::{Datelike, Duration};
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| first_of(first_of(d) + Duration::days(32));
    let whole_from = if q.from.day() == 1 { q.from } else { next_month(q.from) };
    let whole_to = if (q.to + Duration::days(1)).day() == 1 { q.to } else { first_of(q.to) - Duration::days(1) };
    if q.level != Level::Line || whole_from > whole_to {
        return vec![q.clone()];
    }
    let mut parts = vec![SumQuery { level: Level::Month, from: whole_from, to: whole_to, ..q.clone() }];
    if q.from < whole_from {
        parts.push(SumQuery { to: whole_from - Duration::days(1), ..q.clone() });
    }
    if q.to > whole_to {
        parts.push(SumQuery { from: whole_to + Duration::days(1), ..q.clone() });
    }
    parts
}

/// The longest series returned at once.
pub const MAX_POINTS: usize = 400;

impl Core {
    /// `GET /stats/timeseries`: the figures of each day, week, month or year of a range, for
    /// the same readers as the summary (the platform or a line; a line itself; a unit itself).
    pub async fn stats_timeseries(&self, p: &Principal, q: SeriesQuery) -> CoreResult<Series> {
        use hotline_domain::stats::Bucket;
        let bucket = Bucket::parse(q.bucket.as_deref().unwrap_or("day"))?;
        let range = self.day_range(p, q.from.as_deref(), q.to.as_deref()).await?;
        let buckets = range.buckets(bucket);
        if buckets.len() > MAX_POINTS {
            return Err(hotline_domain::ValidationError::new(
                "bucket",
                "too_many_points",
                format!("at most {MAX_POINTS} points: choose a wider bucket"),
            )
            .into());
        }
        let metrics = parse_metrics(q.metrics.as_deref())?;
        let city = p.on_platform() && p.has_any(&CITY_ROLES);
        let (subject, query) = match (&q.tenant, city) {
            (None, true) => (
                "platform".to_owned(),
                SumQuery {
                    scope: Scope::Platform,
                    level: Level::Line,
                    tenants: None,
                    from: range.from,
                    to: range.to,
                    group_by: Some("day"),
                    unit: None,
                },
            ),
            (requested, _)
                if city
                    || (p.has(Role::TenantAdmin)
                        && !p.on_platform()
                        && requested.as_deref().is_none_or(|c| c == p.tenant.code.as_str())) =>
            {
                let code = requested.clone().unwrap_or_else(|| p.tenant.code.as_str().to_owned());
                let t = self.line_by_code(&code).await?;
                (
                    code,
                    SumQuery {
                        scope: Scope::Line,
                        level: Level::Line,
                        tenants: Some(vec![t.id]),
                        from: range.from,
                        to: range.to,
                        group_by: Some("day"),
                        unit: None,
                    },
                )
            }
            (None, false) if p.has_any(&[Role::UnitLead, Role::UnitHandler]) && p.unit_id.is_some() => {
                let unit = p.unit_id.map(|u| u.0).unwrap_or_default();
                (
                    unit.to_string(),
                    SumQuery {
                        scope: Scope::Line,
                        level: Level::Unit,
                        tenants: Some(vec![p.tenant.id.0]),
                        from: range.from,
                        to: range.to,
                        group_by: Some("day"),
                        unit: Some(unit),
                    },
                )
            }
            _ => {
                self.audit_denied(p, "stats.read", "timeseries", "not allowed").await;
                return Err(CoreError::forbidden("these figures are not yours to read"));
            }
        };
        let days = if matches!(bucket, Bucket::Month | Bucket::Year) && query.level == Level::Line {
            self.summed_by_month(&query).await?
        } else {
            stats::sum(&self.store.db, &query).await?
        };
        let points = buckets
            .into_iter()
            .map(|(label, from, to)| {
                let mut counts = Counts::default();
                // Day keys are ISO dates, so a bucket is a range of keys.
                for (_, c) in days.range(from.to_string()..=to.to_string()) {
                    counts.merge(c);
                }
                Point { label, from, to, figures: figures(String::new(), &counts, &metrics).figures }
            })
            .collect();
        Ok(Series { subject, bucket: bucket.as_str(), points })
    }
}
