//! First start: the city platform tenant and its three officers (三员: system, security and
//! audit administrator); optionally the demo city.

use hotline_domain::{MergeMode, Role, RoleSet, TenantKind, TenantStatus, UnitKind, UnitStatus, UserStatus};
use hotline_store::entities::{tenant, unit, user};
use hotline_store::{tenants, units, users};
use uuid::Uuid;

use crate::admin::tenants::{DEFAULT_CALENDAR, DEFAULT_TIME_ZONE};
use crate::{Core, CoreResult};

pub const PLATFORM_CODE: &str = "12345";

/// What the first start did, so the binary can print generated passwords once.
#[derive(Debug, Default)]
pub struct BootstrapReport {
    /// The accounts created, each with its password when it was generated (not configured):
    /// shown once, never stored.
    pub created: Vec<(String, Option<String>)>,
}

/// The platform's officers, created on first start: without a security administrator nobody
/// could ever grant a privileged role, and without an audit administrator nobody could read the
/// log. Each gets their own password unless one is configured.
const OFFICERS: [(&str, &str, Role); 3] = [
    ("city_admin", "市热线办系统管理员", Role::CityAdmin),
    ("security_admin", "市热线办安全管理员", Role::SecurityAdmin),
    ("auditor", "市热线办审计管理员", Role::Auditor),
];

pub fn random_password() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 12];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

struct Line {
    code: &'static str,
    name: &'static str,
    mode: MergeMode,
    units: &'static [(&'static str, UnitKind, Option<&'static str>)],
}

/// The demo city: 12345 and eight lines with realistic units. District governments are the
/// fallback of their district (DOMAIN.md dispatch rule 3).
const LINES: &[Line] = &[
    Line {
        code: "12319",
        name: "城市管理服务热线",
        mode: MergeMode::Parallel,
        units: &[
            ("市容环境卫生处", UnitKind::DepartmentOffice, None),
            ("园林绿化处", UnitKind::DepartmentOffice, None),
            ("市政设施管理处", UnitKind::DepartmentOffice, None),
            ("违法建设查处办公室", UnitKind::DepartmentOffice, None),
            ("燃气热力管理处", UnitKind::DepartmentOffice, None),
            ("鼓楼区人民政府", UnitKind::DistrictGovernment, Some("鼓楼区")),
            ("台江区人民政府", UnitKind::DistrictGovernment, Some("台江区")),
            ("仓山区人民政府", UnitKind::DistrictGovernment, Some("仓山区")),
            ("市自来水公司", UnitKind::Utility, None),
        ],
    },
    Line {
        code: "12315",
        name: "市场监管投诉举报热线",
        mode: MergeMode::Parallel,
        units: &[
            ("消费者权益保护处", UnitKind::DepartmentOffice, None),
            ("食品安全协调处", UnitKind::DepartmentOffice, None),
            ("鼓楼区市场监督管理局", UnitKind::DistrictGovernment, Some("鼓楼区")),
            ("台江区市场监督管理局", UnitKind::DistrictGovernment, Some("台江区")),
        ],
    },
    Line {
        code: "12358",
        name: "价格举报热线",
        mode: MergeMode::Absorbed,
        units: &[("价格监督检查与反不正当竞争处", UnitKind::DepartmentOffice, None)],
    },
    Line {
        code: "12369",
        name: "环保举报热线",
        mode: MergeMode::Parallel,
        units: &[
            ("生态环境执法支队", UnitKind::DepartmentOffice, None),
            ("大气环境处", UnitKind::DepartmentOffice, None),
            ("水生态环境处", UnitKind::DepartmentOffice, None),
            ("鼓楼区生态环境局", UnitKind::DistrictGovernment, Some("鼓楼区")),
        ],
    },
    Line {
        code: "12398",
        name: "能源监管热线",
        mode: MergeMode::SubCentre,
        units: &[
            ("电力安全监管处", UnitKind::DepartmentOffice, None),
            ("供电服务监管科", UnitKind::DepartmentOffice, None),
            ("国网市供电公司", UnitKind::Utility, None),
        ],
    },
    Line {
        code: "12320",
        name: "卫生健康热线",
        mode: MergeMode::Parallel,
        units: &[
            ("医政医管处", UnitKind::DepartmentOffice, None),
            ("疾病预防控制处", UnitKind::DepartmentOffice, None),
            ("市卫生健康监督所", UnitKind::DepartmentOffice, None),
        ],
    },
    Line {
        code: "12333",
        name: "人力资源和社会保障热线",
        mode: MergeMode::SubCentre,
        units: &[
            ("劳动保障监察支队", UnitKind::DepartmentOffice, None),
            ("社会保险中心", UnitKind::DepartmentOffice, None),
            ("就业服务中心", UnitKind::DepartmentOffice, None),
        ],
    },
    Line {
        code: "12366",
        name: "纳税缴费服务热线",
        mode: MergeMode::Parallel,
        units: &[
            ("纳税服务处", UnitKind::DepartmentOffice, None),
            ("征收管理处", UnitKind::DepartmentOffice, None),
            ("鼓楼区税务局", UnitKind::DistrictGovernment, Some("鼓楼区")),
        ],
    },
];

impl Core {
    fn tenant_row(&self, code: &str, name: &str, kind: TenantKind, mode: Option<MergeMode>) -> tenant::Model {
        let now = self.now();
        tenant::Model {
            id: Uuid::now_v7(),
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.as_str().to_owned(),
            merge_mode: mode.map(|m| m.as_str().to_owned()),
            calendar: DEFAULT_CALENDAR.to_owned(),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            status: TenantStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    fn user_row(&self, tenant: Uuid, unit: Option<Uuid>, username: &str, display: &str, roles: &[Role], hash: &str) -> user::Model {
        let now = self.now();
        user::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            unit_id: unit,
            username: username.to_owned(),
            display_name: display.to_owned(),
            email: None,
            password_hash: hash.to_owned(),
            roles: RoleSet::of(roles.iter().copied()).to_storage(),
            status: UserStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Creates the city platform (12345) if missing, and each officer (`city_admin`,
    /// `security_admin`, `auditor`) whose account does not exist. Idempotent.
    pub async fn bootstrap(&self, configured_password: Option<&str>) -> CoreResult<BootstrapReport> {
        // First start: the platform, its officers and the demo city: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let platform = match tenants::find_by_code(db, PLATFORM_CODE).await? {
                Some(t) => t,
                None => {
                    let row = self.tenant_row(PLATFORM_CODE, "12345政务服务便民热线", TenantKind::Platform, None);
                    tenants::insert(db, row.clone(), &[PLATFORM_CODE.to_owned()]).await?;
                    row
                }
            };
            let mut report = BootstrapReport::default();
            for (username, display, role) in OFFICERS {
                if users::find_by_username(db, username).await?.is_some() {
                    continue;
                }
                let generated = configured_password.is_none().then(random_password);
                let password = configured_password.map(str::to_owned).or_else(|| generated.clone()).unwrap_or_default();
                let hash = self.hasher.hash(&password).await?;
                users::insert(db, self.user_row(platform.id, None, username, display, &[role], &hash)).await?;
                report.created.push((username.to_owned(), generated));
            }
            Ok(report)
        })
        .await
    }

    /// Seeds the demo city into a database that has only the platform. Returns false (and
    /// changes nothing) when lines exist already, so `--demo` on every start is harmless.
    pub async fn seed_demo(&self, password: &str) -> CoreResult<bool> {
        // First start: the platform, its officers and the demo city: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            if tenants::count(db).await? > 1 {
                return Ok(false);
            }
            let platform = tenants::find_by_code(db, PLATFORM_CODE).await?.ok_or(crate::CoreError::NotFound("platform"))?;
            // Demo accounts share one password, so one hash serves them all (seeding stays fast).
            let hash = self.hasher.hash(password).await?;
            let txn = hotline_store::begin_write(db).await?;
            for (name, display, roles) in [
                ("city_supervisor", "市热线办督办员", &[Role::CitySupervisor][..]),
                ("agent", "12345接线员", &[Role::Agent][..]),
                ("dispatcher", "12345派单员", &[Role::Dispatcher][..]),
            ] {
                users::insert(&txn, self.user_row(platform.id, None, name, display, roles, &hash)).await?;
            }
            for (name, display, role) in OFFICERS {
                if users::find_by_username(&txn, name).await?.is_none() {
                    users::insert(&txn, self.user_row(platform.id, None, name, display, &[role], &hash)).await?;
                }
            }
            for line in LINES {
                let t = self.tenant_row(line.code, line.name, TenantKind::Line, Some(line.mode));
                let numbers = if line.mode.keeps_own_number() { vec![line.code.to_owned()] } else { vec![] };
                tenants::insert(&txn, t.clone(), &numbers).await?;
                let mut first_unit = None;
                for (name, kind, district) in line.units {
                    let now = self.now();
                    let u = unit::Model {
                        id: Uuid::now_v7(),
                        tenant_id: t.id,
                        parent_id: None,
                        name: (*name).to_owned(),
                        kind: kind.as_str().to_owned(),
                        district: district.map(str::to_owned),
                        is_district_fallback: *kind == UnitKind::DistrictGovernment && district.is_some(),
                        status: UnitStatus::Active.as_str().to_owned(),
                        created_at: now,
                        updated_at: now,
                    };
                    first_unit.get_or_insert(u.id);
                    units::insert(&txn, u).await?;
                }
                let admin = self.user_row(
                    t.id,
                    None,
                    &format!("admin_{}", line.code),
                    &format!("{}管理员", line.name),
                    &[Role::TenantAdmin],
                    &hash,
                );
                users::insert(&txn, admin).await?;
                let handler = self.user_row(
                    t.id,
                    first_unit,
                    &format!("handler_{}", line.code),
                    &format!("{}承办人", line.name),
                    &[Role::UnitHandler],
                    &hash,
                );
                users::insert(&txn, handler).await?;
            }
            txn.commit().await?;
            self.seed_demo_rules().await?;
            Ok(true)
        })
        .await
    }
}
