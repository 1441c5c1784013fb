use chrono::{DateTime, Utc};
use hotline_auth::check_password;
use hotline_domain::{Role, RoleSet, TenantKind, UserStatus, Username, ValidationError, parse_email, parse_name};
use hotline_store::entities::{tenant, user};
use hotline_store::users::{self, UserFilter};
use hotline_store::{Page, PageRequest, sessions, units};
use uuid::Uuid;

use super::{parse_id, parse_opt};
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone)]
pub struct UserView {
    pub id: Uuid,
    pub tenant_code: String,
    pub unit_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub roles: Vec<String>,
    pub unit_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<String>>,
    pub unit_id: Option<Option<String>>,
    pub status: Option<String>,
    /// A new password set by an administrator (reset); ends the user's sessions.
    pub password: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub role: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
}

pub(crate) fn view(code: &str, u: user::Model) -> CoreResult<UserView> {
    let corrupt = |e: ValidationError| CoreError::Internal(format!("user {}: {e}", u.id));
    Ok(UserView {
        id: u.id,
        tenant_code: code.to_owned(),
        unit_id: u.unit_id,
        roles: RoleSet::from_storage(&u.roles).map_err(corrupt)?.iter().collect(),
        status: UserStatus::parse(&u.status).map_err(corrupt)?,
        username: u.username,
        display_name: u.display_name,
        email: u.email,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

pub(crate) fn parse_roles(roles: &[String]) -> Result<RoleSet, ValidationError> {
    roles.iter().enumerate().map(|(i, r)| Role::parse(r).map_err(|e| e.at(format!("roles[{i}]")))).collect()
}

fn password_ok(password: &str, username: &str) -> Result<(), ValidationError> {
    check_password(password, username).map_err(|r| ValidationError::new("password", r.code(), r.to_string()))
}

/// Who may read a tenant's accounts.
const USER_READERS: &[Role] = &[Role::CityAdmin, Role::SecurityAdmin, Role::CitySupervisor, Role::TenantAdmin, Role::Auditor];

impl Core {
    async fn unit_in(&self, t: &tenant::Model, unit: &str) -> CoreResult<Uuid> {
        let id = parse_id("unit_id", unit)?;
        match units::find(&self.store.db, t.id, id).await? {
            Some(_) => Ok(id),
            None => Err(ValidationError::new("unit_id", "unknown_unit", "the unit does not exist in this tenant").into()),
        }
    }

    pub async fn list_users(&self, p: &Principal, code: &str, query: UserQuery, page: PageRequest) -> CoreResult<Page<UserView>> {
        let t = self.visible_tenant(p, code).await?;
        self.require(p, "user.read", code, USER_READERS).await?;
        let filter = UserFilter {
            role_pattern: parse_opt(query.role.as_deref(), |r| Role::parse(r).map(RoleSet::storage_pattern))?,
            unit_id: parse_opt(query.unit_id.as_deref(), |s| parse_id("unit_id", s))?,
            status: parse_opt(query.status.as_deref(), |s| UserStatus::parse(s).map(|k| k.as_str().to_owned()))?,
            q: query.q.filter(|q| !q.is_empty()),
        };
        let page = users::list(&self.store.db, t.id, &filter, page).await?;
        Ok(Page { items: page.items.into_iter().map(|u| view(&t.code, u)).collect::<CoreResult<_>>()?, next: page.next })
    }

    pub async fn get_user(&self, p: &Principal, code: &str, id: &str) -> CoreResult<UserView> {
        let t = self.visible_tenant(p, code).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("user"))?;
        // Everyone may read their own account.
        if p.user_id() != Some(id) {
            self.require(p, "user.read", code, USER_READERS).await?;
        }
        let u = users::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("user"))?;
        view(&t.code, u)
    }

    pub async fn create_user(&self, p: &Principal, code: &str, input: CreateUser) -> CoreResult<UserView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "user.create", &t).await?;
        let username = Username::parse(&input.username)?;
        let display_name = parse_name("display_name", &input.display_name, 128)?;
        let email = input.email.as_deref().filter(|e| !e.trim().is_empty()).map(parse_email).transpose()?;
        let roles = parse_roles(&input.roles)?;
        let unit_id = match &input.unit_id {
            Some(u) => Some(self.unit_in(&t, u).await?),
            None => None,
        };
        roles.check_for_staff(TenantKind::parse(&t.kind)?, unit_id.is_some())?;
        self.require_grant(p, &RoleSet::default(), &roles, "user.create", username.as_str()).await?;
        password_ok(&input.password, username.as_str())?;
        if users::find_by_username(&self.store.db, username.as_str()).await?.is_some() {
            return Err(CoreError::conflict("username_taken", format!("the user name {} is taken", username.as_str())));
        }
        let now = self.now();
        let row = user::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            unit_id,
            username: username.as_str().to_owned(),
            display_name,
            email,
            password_hash: self.hasher.hash(&input.password).await?,
            roles: roles.to_storage(),
            status: UserStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        users::insert(&txn, row.clone()).await.map_err(|e| match e {
            hotline_store::StoreError::Conflict(_) => CoreError::conflict("username_taken", "the user name is taken"),
            other => other.into(),
        })?;
        let entry = Entry::by(p, "user.create", &row.username, Outcome::Success).tenant(Some(t.id)).detail(row.roles.clone());
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        view(&t.code, row)
    }

    pub async fn update_user(&self, p: &Principal, code: &str, id: &str, input: UpdateUser) -> CoreResult<UserView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "user.update", &t).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("user"))?;
        let mut u = users::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("user"))?;
        let mut changes: Vec<&str> = Vec::new();
        let mut end_sessions = false;
        if let Some(name) = &input.display_name {
            u.display_name = parse_name("display_name", name, 128)?;
            changes.push("display_name");
        }
        if let Some(email) = &input.email {
            u.email = email.as_deref().filter(|e| !e.trim().is_empty()).map(parse_email).transpose()?;
            changes.push("email");
        }
        if let Some(unit) = &input.unit_id {
            u.unit_id = match unit {
                Some(unit) => Some(self.unit_in(&t, unit).await?),
                None => None,
            };
            changes.push("unit_id");
        }
        let before = RoleSet::from_storage(&u.roles)?;
        let mut roles = before.clone();
        if let Some(new_roles) = &input.roles {
            roles = parse_roles(new_roles)?;
            changes.push("roles");
        }
        roles.check_for_staff(TenantKind::parse(&t.kind)?, u.unit_id.is_some())?;
        self.require_grant(p, &before, &roles, "user.update", &u.username).await?;
        u.roles = roles.to_storage();
        if let Some(status) = &input.status {
            let status = UserStatus::parse(status)?;
            if status == UserStatus::Disabled && u.status == "active" {
                self.keep_an_officer(&t, &roles, u.id).await?;
            }
            end_sessions |= status == UserStatus::Disabled;
            u.status = status.as_str().to_owned();
            changes.push("status");
        }
        if p.user_id() == Some(u.id) && (u.status != "active" || !(roles.contains(Role::CityAdmin) || roles.contains(Role::TenantAdmin))) {
            // An administrator locking themselves out leaves a line with nobody to fix it.
            return Err(CoreError::conflict("self_lockout", "you cannot disable your own account or remove your own administrator role"));
        }
        if let Some(password) = &input.password {
            password_ok(password, &u.username)?;
            u.password_hash = self.hasher.hash(password).await?;
            end_sessions = true;
            changes.push("password");
        }
        u.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        users::update(&txn, u.clone()).await?;
        if end_sessions {
            sessions::revoke_all_of_user(&txn, u.id, "changed_by_admin", u.updated_at).await?;
        }
        let entry = Entry::by(p, "user.update", &u.username, Outcome::Success).tenant(Some(t.id)).detail(changes.join(","));
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        view(&t.code, u)
    }
}
