use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use hotline_domain::rules::{CompiledRuleSet, Directory, parse_rules};
use hotline_store::{ConnectionTrait, DatabaseConnection, StoreResult, rules, tenants, units};
use uuid::Uuid;

/// What routing needs to know of the organisation, loaded once and kept until a tenant or unit
/// changes.
#[derive(Debug, Default)]
pub struct Org {
    pub platform: Option<(Uuid, String)>,
    /// code → tenant id, for lines.
    pub lines: HashMap<String, Uuid>,
    pub code_of: HashMap<Uuid, String>,
    /// Every tenant row (a hot path reads its time zone and code on each request).
    pub tenants: HashMap<Uuid, Arc<hotline_store::entities::tenant::Model>>,
    /// number → code of a `parallel` line that answers it.
    pub parallel_numbers: HashMap<String, String>,
    /// (code, unit id) of every active unit.
    pub units: HashSet<(String, String)>,
    /// (code, district) → the line's fallback unit.
    pub fallbacks: HashMap<(String, String), String>,
    /// district → (code, unit) of a district government marked as fallback.
    pub district_governments: HashMap<String, (String, String)>,
}

/// Compiled rule sets per tenant and the organisation snapshot. Readers take an `Arc` snapshot;
/// a publish swaps the entry, so evaluation never waits on I/O or on a writer.
#[derive(Debug, Default)]
pub struct RoutingCache {
    sets: RwLock<HashMap<Uuid, Option<Arc<CompiledRuleSet>>>>,
    org: RwLock<Option<Arc<Org>>>,
}

/// A consistent view for one decision.
pub struct View {
    pub org: Arc<Org>,
    pub sets: HashMap<String, Arc<CompiledRuleSet>>,
}

impl View {
    /// Whether a rule of some line may read the fact `name`.
    pub fn may_read(&self, name: &str) -> bool {
        self.sets.values().any(|s| s.may_read(name))
    }
}

impl Directory for View {
    fn parallel_line_for(&self, dialled: &str) -> Option<String> {
        self.org.parallel_numbers.get(dialled).cloned()
    }
    fn is_line(&self, code: &str) -> bool {
        self.org.lines.contains_key(code)
    }
    fn rules_of(&self, code: &str) -> Option<&CompiledRuleSet> {
        self.sets.get(code).map(|s| s.as_ref())
    }
    fn district_fallback(&self, code: &str, district: &str) -> Option<String> {
        self.org.fallbacks.get(&(code.to_owned(), district.to_owned())).cloned()
    }
    fn district_government(&self, district: &str) -> Option<(String, String)> {
        self.org.district_governments.get(district).cloned()
    }
    fn has_unit(&self, code: &str, unit: &str) -> bool {
        self.org.units.contains(&(code.to_owned(), unit.to_owned()))
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

impl RoutingCache {
    /// Forgets a tenant's compiled rules (another instance published).
    pub fn invalidate(&self, tenant: Uuid) {
        write(&self.sets).remove(&tenant);
    }

    pub fn invalidate_org(&self) {
        *write(&self.org) = None;
    }

    /// Installs a freshly published set.
    pub fn install(&self, tenant: Uuid, set: Option<Arc<CompiledRuleSet>>) {
        write(&self.sets).insert(tenant, set);
    }

    /// The organisation of every line. Caches load from the pool (never inside a caller's
    /// transaction) under the platform scope: a cache filled through a line's narrower view
    /// would then answer every other caller with that line's part only.
    pub async fn org(&self, db: &DatabaseConnection) -> StoreResult<Arc<Org>> {
        if let Some(org) = read(&self.org).clone() {
            return Ok(org);
        }
        let org = Arc::new(hotline_store::scope::platform(load_org(db)).await?);
        *write(&self.org) = Some(org.clone());
        Ok(org)
    }

    /// The tenant's published rules, compiled (loaded on first use).
    pub async fn rules(&self, db: &DatabaseConnection, tenant: Uuid) -> StoreResult<Option<Arc<CompiledRuleSet>>> {
        if let Some(entry) = read(&self.sets).get(&tenant) {
            return Ok(entry.clone());
        }
        let set = match hotline_store::scope::platform(rules::published(db, tenant)).await? {
            Some(row) => compile_row(&row),
            None => None,
        };
        write(&self.sets).insert(tenant, set.clone());
        Ok(set)
    }

    /// A view with the platform's and every line's rules.
    pub async fn view(&self, db: &DatabaseConnection) -> StoreResult<View> {
        let org = self.org(db).await?;
        let mut sets = HashMap::new();
        let tenants: Vec<(Uuid, String)> = org.platform.iter().cloned().chain(org.lines.iter().map(|(c, id)| (*id, c.clone()))).collect();
        for (id, code) in tenants {
            if let Some(s) = self.rules(db, id).await? {
                sets.insert(code, s);
            }
        }
        Ok(View { org, sets })
    }
}

/// Compiles a stored version; a stored set that no longer compiles is treated as absent (and
/// logged) rather than breaking intake.
pub fn compile_row(row: &hotline_store::entities::rule_set::Model) -> Option<Arc<CompiledRuleSet>> {
    let parsed = serde_json::from_str(&row.rules).ok().and_then(|v| parse_rules(&v).ok());
    match parsed.map(|r| CompiledRuleSet::compile(row.version, r)) {
        Some(Ok(set)) => Some(Arc::new(set)),
        _ => {
            tracing::error!(rule_set = %row.id, "a stored rule set does not compile; ignored");
            None
        }
    }
}

async fn load_org(db: &impl ConnectionTrait) -> StoreResult<Org> {
    use hotline_store::tenants::TenantFilter;
    use hotline_store::{PageRequest, units::UnitFilter};
    let mut org = Org::default();
    let all = tenants::list(db, &TenantFilter::default(), PageRequest::first(10_000)).await?.items;
    let ids: Vec<Uuid> = all.iter().map(|t| t.id).collect();
    let numbers = tenants::numbers_of(db, &ids).await?;
    for t in &all {
        org.code_of.insert(t.id, t.code.clone());
        org.tenants.insert(t.id, Arc::new(t.clone()));
        if t.kind == "platform" {
            org.platform = Some((t.id, t.code.clone()));
            continue;
        }
        if t.status != "active" {
            continue;
        }
        org.lines.insert(t.code.clone(), t.id);
        if t.merge_mode.as_deref() == Some("parallel") {
            for n in numbers.get(&t.id).into_iter().flatten() {
                org.parallel_numbers.insert(n.clone(), t.code.clone());
            }
        }
        let filter = UnitFilter { status: Some("active".into()), ..Default::default() };
        for u in units::list(db, t.id, &filter, PageRequest::first(100_000)).await?.items {
            let id = u.id.to_string();
            org.units.insert((t.code.clone(), id.clone()));
            if let (true, Some(d)) = (u.is_district_fallback, &u.district) {
                org.fallbacks.insert((t.code.clone(), d.clone()), id.clone());
                if u.kind == "district_government" {
                    org.district_governments.entry(d.clone()).or_insert((t.code.clone(), id.clone()));
                }
            }
        }
    }
    Ok(org)
}
