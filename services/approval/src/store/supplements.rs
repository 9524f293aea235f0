//! The `supplement_batches` and `supplement_requests` tables: departments' supplement
//! requests collected per review for a short window, then sent to intake as one.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// A batch of requests of one review.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "supplement_batches")]
pub struct Model {
    /// Batch id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Review.
    pub review_id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Division of the case.
    pub division_code: String,
    /// When the window closes and the batch is sent.
    pub flush_at: DateTime<FixedOffset>,
    /// `collecting`, `sent` or `cancelled`.
    pub state: String,
    /// When the first request came.
    pub created_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One department's request.
pub mod requests {
    use chrono::{DateTime, FixedOffset};
    use sea_orm::entity::prelude::*;
    use uuid::Uuid;

    /// A stored request.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "supplement_requests")]
    pub struct Model {
        /// Request id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Batch.
        pub batch_id: Uuid,
        /// The asking department's task.
        pub task_id: Uuid,
        /// Department.
        pub department_code: String,
        /// What to supplement (`["…", …]`).
        pub items: Json,
        /// When.
        pub created_at: DateTime<FixedOffset>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
