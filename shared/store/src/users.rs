//! Accounts. Lookups by username are global (login); everything else is tenant-scoped.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::user;
use crate::{Page, PageRequest, StoreResult};

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// The stored pattern of a role (`%,agent,%`).
    pub role_pattern: Option<String>,
    pub unit_id: Option<Uuid>,
    pub status: Option<String>,
    pub q: Option<String>,
}

pub async fn insert(db: &impl ConnectionTrait, row: user::Model) -> StoreResult<()> {
    user::Entity::insert(user::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, row: user::Model) -> StoreResult<()> {
    let tenant = row.tenant_id;
    let am = sea_orm::ActiveModelTrait::reset_all(user::ActiveModel::from(row));
    user::Entity::update(am).validate()?.filter(user::Column::TenantId.eq(tenant)).exec(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).filter(user::Column::TenantId.eq(tenant)).one(db).await?)
}

/// Loads a user by id regardless of tenant: only for resolving the subject of a verified token.
pub async fn find_for_token(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> StoreResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await?)
}

pub async fn list(db: &impl ConnectionTrait, tenant: Uuid, filter: &UserFilter, page: PageRequest) -> StoreResult<Page<user::Model>> {
    let mut q = user::Entity::find().filter(user::Column::TenantId.eq(tenant));
    if let Some(pattern) = &filter.role_pattern {
        q = q.filter(user::Column::Roles.like(pattern.as_str()));
    }
    if let Some(unit) = filter.unit_id {
        q = q.filter(user::Column::UnitId.eq(unit));
    }
    if let Some(status) = &filter.status {
        q = q.filter(user::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = &filter.q {
        q = q.filter(
            sea_orm::Condition::any()
                .add(user::Column::Username.contains(text.as_str()))
                .add(user::Column::DisplayName.contains(text.as_str())),
        );
    }
    if let Some(after) = page.after {
        q = q.filter(user::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(user::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

/// E-mail addresses of a unit's active staff (for notifications to the unit).
pub async fn emails_of_unit(db: &impl ConnectionTrait, unit: Uuid) -> StoreResult<Vec<String>> {
    Ok(emails_of_units(db, &[unit]).await?.remove(&unit).unwrap_or_default())
}

/// E-mail addresses of the active staff of each of `units`, in one query.
pub async fn emails_of_units(db: &impl ConnectionTrait, units: &[Uuid]) -> StoreResult<std::collections::HashMap<Uuid, Vec<String>>> {
    let mut out: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
    for chunk in units.chunks(crate::bulk::CHUNK) {
        let rows = user::Entity::find()
            .filter(user::Column::UnitId.is_in(chunk.iter().copied()))
            .filter(user::Column::Status.eq("active"))
            .all(db)
            .await?;
        for u in rows {
            if let (Some(unit), Some(email)) = (u.unit_id, u.email) {
                out.entry(unit).or_default().push(email);
            }
        }
    }
    Ok(out)
}

/// How many active accounts of a tenant hold a role, not counting `except`.
pub async fn count_active_with_role(db: &impl ConnectionTrait, tenant: Uuid, role_pattern: &str, except: Uuid) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Roles.like(role_pattern))
        .filter(user::Column::Status.eq("active"))
        .filter(user::Column::Id.ne(except))
        .count(db)
        .await?)
}

/// E-mail addresses of a tenant's active staff with a role (e.g. its dispatchers).
pub async fn emails_with_role(db: &impl ConnectionTrait, tenant: Uuid, role_pattern: &str) -> StoreResult<Vec<String>> {
    let rows = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Roles.like(role_pattern))
        .filter(user::Column::Status.eq("active"))
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|u| u.email).collect())
}
