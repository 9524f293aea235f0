//! The `ratings` and `rectifications` tables (好差评, 差评整改).

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, entity::prelude::*};
use uuid::Uuid;

/// A stored rating.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    /// Rating id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case (one rating per case).
    #[sea_orm(unique)]
    pub case_id: Uuid,
    /// Score 1–5.
    pub score: i16,
    /// Optional comment.
    pub comment: Option<String>,
    /// Matter.
    pub matter_code: String,
    /// Department.
    pub department_code: String,
    /// Division.
    pub division_code: String,
    /// Subject who rated.
    pub rated_by: String,
    /// When.
    pub rated_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The rating of a case, if any.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .one(db)
        .await
}

/// Rectification items of bad ratings.
pub mod rectifications {
    use chrono::{DateTime, FixedOffset};
    use sea_orm::entity::prelude::*;
    use uuid::Uuid;

    /// A rectification item (整改单); its id is the bad rating's id.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rectifications")]
    pub struct Model {
        /// Id (= rating id).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Case.
        pub case_id: Uuid,
        /// Department that must rectify.
        pub department_code: String,
        /// Division of the case.
        pub division_code: String,
        /// `open` or `closed`.
        pub state: String,
        /// Due time, once the deadline service has counted it.
        pub due_at: Option<DateTime<FixedOffset>>,
        /// What the department did.
        pub note: Option<String>,
        /// Optimistic-concurrency version.
        pub version: i32,
        /// When it was opened.
        pub created_at: DateTime<FixedOffset>,
        /// When it was closed.
        pub closed_at: Option<DateTime<FixedOffset>>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
